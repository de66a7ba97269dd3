#!/usr/bin/env bash
# Runs `rapport-load chat` against N nodes of one practice on this machine:
# a fresh PostgreSQL database, Redis (with a prefix of its own), the nodes
# pinned to the cores in NODE_CPUS and the generator to GEN_CPUS. N=1 runs
# one node without Redis, the same load for comparison. Extra arguments go
# to rapport-load chat (--rooms, --rate, --duration...).
#
#   scripts/load-cluster.sh 3 --rooms 200 --participants 3 --rate 10 --duration 30s
#
# Needs PostgreSQL (PG_URL, default the system one on 127.0.0.1:5432) and,
# for N>1, Redis (REDIS_URL, default 127.0.0.1:6379).
set -euo pipefail
cd "$(dirname "$0")/.."

nodes=${1:?usage: scripts/load-cluster.sh NODES [rapport-load chat flags]}
shift
pg_url=${PG_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
redis_url=${REDIS_URL:-redis://127.0.0.1:6379/0}
node_cpus=${NODE_CPUS:-1}
gen_cpus=${GEN_CPUS:-0}
work=$(mktemp -d)
token=a-developer-sign-in-token-for-load-runs

echo "load-cluster: building rapport and rapport-load" >&2
go build -o "$work/rapport" ./cmd/rapport
go build -o "$work/rapport-load" ./cmd/rapport-load

db=rapport_load_$$
psql "$pg_url" -qc "CREATE DATABASE $db" >/dev/null
db_url=${pg_url/\/postgres\?/\/$db?}

pids=() urls=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	for log in "$work"/node*/log; do # what the nodes warned of
		grep -h "level=WARN\|level=ERROR" "$log" | grep -v "developer sign-in" | sort | uniq -c | sort -rn | head -5 >&2 || true
	done
	psql "$pg_url" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

for i in $(seq "$nodes"); do
	dir=$work/node$i
	mkdir -p "$dir"
	printf %s "$token" >"$dir/dev-signin.token"
	port=$((18080 + i))
	env=(HOST=127.0.0.1 PORT=$port RAPPORT_DATA_DIR=$dir DATABASE_URL=$db_url LOG_LEVEL=warn
		SESSION_SECRET=one-session-secret-for-every-node-of-the-load NODE_ID=node$i)
	if [ "$nodes" -gt 1 ]; then
		env+=(REDIS_URL=$redis_url REDIS_PREFIX=load$$)
	fi
	env "${env[@]}" taskset -c "$node_cpus" "$work/rapport" serve >"$dir/log" 2>&1 &
	pids+=($!)
	urls+=("http://127.0.0.1:$port")
	for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
	curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$dir/log"; exit 1; }
done

args=(--server "${urls[0]}" --dev-token "$token")
if [ "$nodes" -gt 1 ]; then
	redis_pid=$(pgrep -x redis-server | head -1)
	args+=(--nodes "$(IFS=,; echo "${urls[*]}")" --node-pids "$(IFS=,; echo "${pids[*]}")" --redis-pid "$redis_pid")
else
	args+=(--server-pid "${pids[0]}")
fi
taskset -c "$gen_cpus" "$work/rapport-load" chat "${args[@]}" "$@"
