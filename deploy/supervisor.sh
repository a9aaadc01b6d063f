# The supervisor's program sections, shared by deploy/local.sh and deploy/cluster.sh (sourced;
# they set $logs). A program that dies is started again, unless AUTORESTART=false is set for
# the call (a cluster node left down, as a crashed host would be).
program() { # name command [autostart] [extra supervisor lines]
  cat <<CONF

[program:$1]
command=$2
autostart=${3:-true}
autorestart=${AUTORESTART:-true}
startsecs=2
startretries=20
stopasgroup=true
killasgroup=true
redirect_stderr=true
stdout_logfile=$logs/$1.log
stdout_logfile_maxbytes=20MB
stdout_logfile_backups=2
${4:-}
CONF
}
