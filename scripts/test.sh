#!/usr/bin/env bash
# Runs every test: gets what the tests need, then vet, gofmt and the whole
# suite with the race detector. This is what `make test` and CI run.
set -euo pipefail
cd "$(dirname "$0")/.."

settings=$(scripts/test-deps.sh)
while IFS= read -r line; do
	[ -n "$line" ] && export "${line?}"
done <<<"$settings"

echo "== go vet"
go vet ./...
echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
scripts/test-js.sh
mkdir -p test-artifacts
# The tests run in three rounds, so that the ones that keep real-time
# limits (the AI's 300 ms barge-in, the tunnel's repair window, a slow
# reader's drop, the loads' rates) never share the machine with more than
# one other package, nor with the browsers:
# - most packages, four at a time: their tests mostly wait (for Chromium
#   reading a stand-in Skool, for PostgreSQL, for timeouts to pass), and
#   four at a time keep both cores busy;
# - the real-time packages and the cluster's (three rapport serve processes
#   each, timing a call's move between them), two at a time;
# - the browser tests, two browsers at a time, which takes both cores.
# The race detector also checks every unsafe pointer conversion (checkptr).
# SQLite's Go translation (modernc.org/sqlite and its libc) makes millions of
# them a second in its own code: checking them there took 40% of the CPU of
# the tests over a database. They stay checked in every package of ours, and
# races are still detected everywhere.
race=(-race "-gcflags=modernc.org/...=-d=checkptr=0")
realtime='/internal/(voice|sfu|room|signaling|loadtest|multinode)$|/cmd/rapport-load$'
# round TITLE CMD...: runs one round under its title and says how long it took.
round() {
	local title=$1 start=$SECONDS
	shift
	echo "== $title"
	"$@"
	echo "== $title: $((SECONDS - start)) s"
}
round "go test -race, four packages at a time" \
	go test "${race[@]}" -count=1 -p 4 -timeout 15m "$@" $(go list ./... | grep -v '/internal/e2e$' | grep -Ev "$realtime")
round "go test -race, the real-time packages and the cluster's, two at a time" \
	go test "${race[@]}" -count=1 -p 2 -timeout 15m "$@" $(go list ./... | grep -E "$realtime")
round "go test -race ./internal/e2e, the browser tests" \
	go test "${race[@]}" -count=1 -timeout 15m "$@" ./internal/e2e
echo "== fuzz the protocol decoders (the server's, and the Go client's scanner)"
go test -run '^$' -fuzz '^FuzzDecode$' -fuzztime 100000x ./internal/protocol
go test -run '^$' -fuzz '^FuzzUnmarshalAgreesWithEncodingJSON$' -fuzztime 100000x ./internal/protocol
go test -run '^$' -fuzz '^FuzzFlatScannerAgreesWithTheDecoder$' -fuzztime 100000x ./internal/roomclient
