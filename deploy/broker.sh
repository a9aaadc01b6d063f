#!/usr/bin/env bash
# Starts the local Tansu broker (run by the supervisor). Tansu keeps topics in memory only, so
# every start is an empty broker: the consumed offsets stored in PostGIS point into logs that
# are gone, and new messages would arrive below them and be skipped. Forget them first.
set -euo pipefail
tansu=$1 port=$2
root=$(cd "$(dirname "$0")/.." && pwd)
envfile=${ONEGRID_STATE_DIR:-$root/.state}/env
url=$(sed -n 's/^DATABASE_URL=//p' "$envfile" | sed 's/+psycopg//')
for _ in $(seq 1 60); do  # PostgreSQL starts beside us: wait for it, briefly
  if psql -qAt "$url" -c "SELECT 1" >/dev/null 2>&1; then
    psql -qAt "$url" -c "DELETE FROM ingest_offset" >/dev/null 2>&1 || true  # no table yet: fine
    echo "broker.sh: forgot the stored ingest offsets (a new, empty broker is starting)"
    break
  fi
  sleep 0.5
done
exec "$tansu" broker --listener-url "tcp://127.0.0.1:$port" --advertised-listener-url "tcp://127.0.0.1:$port"
