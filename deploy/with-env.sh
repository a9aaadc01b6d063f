#!/usr/bin/env bash
# Runs a command with the local state's environment (.state/env); variables already set win,
# so DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS from the caller point at external servers.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
envfile=${ONEGRID_STATE_DIR:-$root/.state}/env
if [[ -f $envfile ]]; then
  while IFS='=' read -r key value; do
    [[ -z ${!key:-} ]] && export "$key=$value"
  done <"$envfile"
fi
exec "$@"
