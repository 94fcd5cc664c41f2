# shellcheck shell=bash
# Shared settings for db/galera/start.sh and stop.sh. Source it, do not run it.
# A three-node MariaDB Galera cluster on this machine, beside (not instead of) the private 3307 instance:
# node N (1..3) listens for clients on WX_GALERA_PORT+N-1 and for Galera on ports derived from the same base,
# so a caller can move the whole cluster with one variable.
# shellcheck source=db/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

# Note: the default base (3310) lies below Linux's ephemeral range (32768+), where the tests' FreePort() draws
# from, so a parallel test never takes a cluster port by chance.
WX_GALERA_PORT="${WX_GALERA_PORT:-3310}"
WX_GALERA_NODES=(1 2 3)
WX_GALERA_PROVIDER="${WX_GALERA_PROVIDER:-/usr/lib/galera/libgalera_smm.so}"

# Note: as root the nodes run as the `mysql` user the package creates. The rsync SST script starts an rsync daemon,
# and an rsync daemon started by root writes as `nobody`, which cannot create the joiner's root-owned files.
if [ "$(id -u)" -eq 0 ] && id mysql >/dev/null 2>&1; then WX_GALERA_USER=mysql; else WX_GALERA_USER="$(id -un)"; fi
# The nodes' files live in .data/galera, unless the `mysql` user cannot reach .data (a clone under /root, mode 700):
# then under /var/lib/wx-galera/<hash of the repo path>, with .data/galera a symlink to it, so every path still works.
WX_GALERA_DIR="$WX_DATA/galera"
if [ "$WX_GALERA_USER" = mysql ] && ! runuser -u mysql -- test -x "$WX_DATA" 2>/dev/null; then
  WX_GALERA_DIR="/var/lib/wx-galera/$(printf '%s' "$WX_REPO" | md5sum | cut -c1-12)"
fi

wx_galera_client_port() { echo $((WX_GALERA_PORT + $1 - 1)); }     # 3310 3311 3312
wx_galera_gcomm_port()  { echo $((WX_GALERA_PORT + 10 + $1 - 1)); } # 3320 3321 3322 (group communication)
wx_galera_ist_port()    { echo $((WX_GALERA_PORT + 20 + $1 - 1)); } # 3330 3331 3332 (incremental state transfer)
wx_galera_sst_port()    { echo $((WX_GALERA_PORT + 30 + $1 - 1)); } # 3340 3341 3342 (full state transfer, rsync)
wx_galera_node_dir()    { echo "$WX_GALERA_DIR/node$1"; }
wx_galera_datadir()     { echo "$WX_GALERA_DIR/node$1/data"; }
wx_galera_socket()      { echo "$WX_GALERA_DIR/node$1/mariadb.sock"; }
wx_galera_pidfile()     { echo "$WX_GALERA_DIR/node$1/mariadb.pid"; }
wx_galera_log()         { echo "$WX_GALERA_DIR/node$1/mariadb.log"; }
wx_galera_cnf()         { echo "$WX_GALERA_DIR/node$1/my.cnf"; }

wx_galera_pid() { # prints the live pid of node $1, nothing when it is not running
  local f pid
  f="$(wx_galera_pidfile "$1")"
  [ -s "$f" ] || return 0
  pid="$(cat "$f")"
  # Note: a SIGKILLed node lingers for a moment as a zombie, which kill -0 still finds.
  if kill -0 "$pid" 2>/dev/null && ! grep -qs '^State:[[:space:]]*Z' "/proc/$pid/status"; then echo "$pid"; fi
}

wx_galera_root() { # $1 node, rest: mariadb client arguments (root through the node's socket)
  local n="$1"; shift
  mariadb --no-defaults --protocol=socket --socket="$(wx_galera_socket "$n")" -uroot --connect-timeout=2 "$@"
}

wx_galera_ping() { mariadb-admin --no-defaults --protocol=socket --socket="$(wx_galera_socket "$1")" -uroot --connect-timeout=2 ping >/dev/null 2>&1; }

wx_galera_status() { # $1 node, $2 status variable; prints its value (empty when the node does not answer)
  { wx_galera_root "$1" -N -B -e "SHOW GLOBAL STATUS LIKE '$2'" 2>/dev/null || true; } | cut -f2
}
