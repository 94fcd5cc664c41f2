#!/usr/bin/env bash
# Stop the three-node Galera cluster started by db/galera/start.sh (only those processes). Nodes stop in the order
# 3, 2, 1 so node1 leaves last and is marked safe to bootstrap the next start. Idempotent.
set -euo pipefail
# shellcheck source=db/galera/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

stopped_any=0
for n in 3 2 1; do
  pid="$(wx_galera_pid "$n")"
  [ -n "$pid" ] || continue
  stopped_any=1
  wx_log "node$n: stopping (pid $pid)"
  mariadb-admin --no-defaults --protocol=socket --socket="$(wx_galera_socket "$n")" -uroot shutdown 2>/dev/null \
    || kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    wx_log "node$n: still running after 30 s, sending SIGKILL to $pid"
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$(wx_galera_pidfile "$n")"
done
if [ "$stopped_any" = 1 ]; then wx_log "Galera cluster stopped"; else wx_log "Galera cluster is not running"; fi
