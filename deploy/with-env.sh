#!/usr/bin/env bash
# Runs a command with the local state's environment (.state/env); variables already set win,
# so DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS from the caller point at external servers.
# --admin adds .state/admin.env, the cluster administrator's URL (the tests and benches).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
files=(env)
[[ ${1:-} == --admin ]] && { files+=(admin.env); shift; }
for file in "${files[@]}"; do
  envfile=${ONEGRID_STATE_DIR:-$root/.state}/$file
  [[ -f $envfile ]] || continue
  while IFS='=' read -r key value; do
    [[ -z ${!key:-} ]] && export "$key=$value"
  done <"$envfile"
done
exec "$@"
