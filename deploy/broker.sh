#!/usr/bin/env bash
# Starts the local Tansu broker (run by the supervisor). Tansu keeps topics in memory only, so
# every start is an empty broker: the offsets stored in PostGIS count in logs that are gone. The
# ingest worker creates the topics again, holds the partitions whose new log ends before their
# stored offset and reports it (/healthz "degraded", /metrics, `onegrid ingest status`) until
# `onegrid ingest reset-offsets DATASET --to earliest|latest` says where to read (docs/ingest.md).
set -euo pipefail
tansu=$1 port=$2
exec "$tansu" broker --listener-url "tcp://127.0.0.1:$port" --advertised-listener-url "tcp://127.0.0.1:$port"
