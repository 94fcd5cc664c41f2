#!/usr/bin/env bash
# Stop the private MariaDB instance started by db/start.sh (only that one). Idempotent.
set -euo pipefail
# shellcheck source=db/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

pid=""
if [ -s "$WX_DB_PIDFILE" ]; then pid="$(cat "$WX_DB_PIDFILE")"; fi
if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then pid=""; rm -f "$WX_DB_PIDFILE"; fi

if [ -z "$pid" ] && ! { command -v mariadb-admin >/dev/null 2>&1 && wx_db_ping; }; then
  wx_log "MariaDB is not running"
  exit 0
fi

wx_log "stopping MariaDB${pid:+ (pid $pid)}"
mariadb-admin --no-defaults --protocol=socket --socket="$WX_DB_SOCKET" -uroot shutdown 2>/dev/null \
  || { [ -n "$pid" ] && kill "$pid" 2>/dev/null; } || true

if [ -n "$pid" ]; then
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { wx_log "stopped"; exit 0; }
    sleep 0.5
  done
  wx_log "still running after 30 s, sending SIGKILL to $pid"
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$WX_DB_PIDFILE" "$WX_DB_SOCKET"
fi
wx_log "stopped"
