#!/usr/bin/env bash
# Single server vs the three-node Galera cluster, in one run, with the existing benches (tests/Bench):
#   ingest        -> OAuth callbacks stored per second (wrk against /wx/oauth/callback, poller paused; at least
#                    6,000 states a second announced, as the raw INSERT rate on the cluster understates what it takes)
#   messages-load -> safe-mode messages answered per second (simulator -> inbox -> poller -> app hook)
# Each bench runs on 127.0.0.1:3307 and on Galera node1 (127.0.0.1:WX_GALERA_PORT) in turn, ROUNDS times, so a busy
# machine's noise hits both sides alike; the cluster/single ratios are the figures for docs/DEPLOY.md.
#   db/galera/bench.sh [rounds=1] [ingest seconds=10] [messages=600] [concurrency=100]
# Note: the bench's databases (inbox, gateway, the raw baseline table) all live on the server under test; in
# production the poller's gateway database is the LAN's own, so the cluster figures are, if anything, pessimistic.
set -euo pipefail
# shellcheck source=db/galera/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
rounds="${1:-1}"; seconds="${2:-10}"; count="${3:-600}"; concurrency="${4:-100}"

cd "$WX_REPO"
db/start.sh >/dev/null
db/create.sh >/dev/null
"$WX_REPO/db/galera/start.sh"
scripts/ensure-bench-tools.sh
# shellcheck source=db/secrets.sh
. db/secrets.sh
export WX_REPO_ROOT="$WX_REPO" WX_BUILD_CONFIGURATION=Release
dotnet build tests/Bench -c Release -v q -nologo >/dev/null
bench() { # $1 port, rest: bench arguments; prints the bench's summary line
  WX_DB_ADMIN="Server=127.0.0.1;Port=$1;User ID=wx_admin;Password=$WX_ADMIN_PASSWORD" \
    dotnet run --no-build --project tests/Bench -c Release -- "${@:2}" | tee -a "$WX_GALERA_DIR/bench.log" | grep -E '^(ingest|messages-load):' || true
}
rate() { sed -nE "s/.* $1=([0-9.]+)\/s.*/\1/p"; }

results=()
for r in $(seq 1 "$rounds"); do
  for target in single cluster; do
    port=$WX_DB_PORT; [ "$target" = cluster ] && port=$(wx_galera_client_port 1)
    line=$(bench "$port" ingest "$seconds" 64 2 paused 6000); echo "round $r $target: $line"
    results+=("$target ingest $(echo "$line" | rate inbox) $(echo "$line" | rate raw)")
    line=$(bench "$port" messages-load "$count" "$concurrency"); echo "round $r $target: $line"
    results+=("$target messages $(echo "$line" | rate rate) -")
  done
done
printf '%s\n' "${results[@]}" | awk '
  { n[$1" "$2]++; s[$1" "$2]+=$3; if ($4 != "-") raw[$1]+=$4 }
  END {
    for (k in n) m[k] = s[k] / n[k]
    printf "galera-bench: ingest single=%.0f/s cluster=%.0f/s ratio=%.2f (raw INSERT single=%.0f/s cluster=%.0f/s ratio=%.2f); messages single=%.1f/s cluster=%.1f/s ratio=%.2f\n",
      m["single ingest"], m["cluster ingest"], m["cluster ingest"] / m["single ingest"],
      raw["single"] / n["single ingest"], raw["cluster"] / n["cluster ingest"], raw["cluster"] / raw["single"],
      m["single messages"], m["cluster messages"], m["cluster messages"] / m["single messages"]
  }'
