#!/usr/bin/env bash
# Start the private MariaDB instance (127.0.0.1:3307, data in .data/mariadb). Idempotent.
set -euo pipefail
# shellcheck source=db/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

wx_ensure_mariadb

if wx_db_ping; then
  wx_log "MariaDB already running (socket $WX_DB_SOCKET)"
  exit 0
fi
if [ -s "$WX_DB_PIDFILE" ] && kill -0 "$(cat "$WX_DB_PIDFILE")" 2>/dev/null; then
  # Alive but not answering yet (still starting?): wait below instead of starting a second one.
  pid="$(cat "$WX_DB_PIDFILE")"
  wx_log "MariaDB process $pid exists, waiting for it"
else
  rm -f "$WX_DB_PIDFILE"
  mkdir -p "$WX_DATA"
  if [ ${#WX_DB_SOCKET} -gt 100 ]; then
    wx_die "socket path too long for a unix socket (${#WX_DB_SOCKET} chars): $WX_DB_SOCKET"
  fi
  if [ ! -d "$WX_DB_DATADIR/mysql" ]; then
    wx_log "initialising $WX_DB_DATADIR"
    mkdir -p "$WX_DB_DATADIR"
    mariadb-install-db --no-defaults --datadir="$WX_DB_DATADIR" --user="$(id -un)" \
      --auth-root-authentication-method=socket --skip-test-db \
      --skip-name-resolve >"$WX_DATA/mariadb-install.log" 2>&1 \
      || { tail -n 30 "$WX_DATA/mariadb-install.log" >&2; rm -rf "$WX_DB_DATADIR"; wx_die "mariadb-install-db failed"; }
  fi
  wx_log "starting mariadbd on $WX_DB_HOST:$WX_DB_PORT"
  # setsid + nohup: the server survives this script and the terminal (Ctrl-C in run.sh).
  setsid nohup mariadbd --no-defaults \
    --datadir="$WX_DB_DATADIR" --port="$WX_DB_PORT" --bind-address="$WX_DB_HOST" \
    --user="$(id -un)" --socket="$WX_DB_SOCKET" --pid-file="$WX_DB_PIDFILE" \
    --log-error="$WX_DB_LOG" --skip-name-resolve \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --max-connections=500 \
    </dev/null >>"$WX_DB_LOG" 2>&1 &
  pid=$!
fi

for _ in $(seq 1 120); do
  if wx_db_ping; then
    wx_log "MariaDB is up (pid $(cat "$WX_DB_PIDFILE" 2>/dev/null || echo "$pid"), port $WX_DB_PORT, socket $WX_DB_SOCKET)"
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    tail -n 30 "$WX_DB_LOG" >&2 || true
    wx_die "mariadbd exited during start-up (log: $WX_DB_LOG)"
  fi
  sleep 0.5
done
tail -n 30 "$WX_DB_LOG" >&2 || true
wx_die "MariaDB did not answer on $WX_DB_SOCKET within 60 s (log: $WX_DB_LOG)"
