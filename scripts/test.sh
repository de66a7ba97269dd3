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
echo "== go test -race"
mkdir -p test-artifacts
# The browser tests run two browsers at a time, which takes both cores: they
# run after the rest, so that the tests that keep real-time limits (the
# AI's 300 ms barge-in, the tunnel's repair window, a slow reader's drop)
# never share the machine with them.
# The cluster's tests run three nodes each, and time a call's move between
# them: they too run after the rest, before the browsers.
go test -race -count=1 -timeout 15m "$@" $(go list ./... | grep -v '/internal/e2e$' | grep -v '/internal/multinode$')
echo "== go test -race ./internal/multinode (three rapport serve processes)"
go test -race -count=1 -timeout 15m "$@" ./internal/multinode
echo "== go test -race ./internal/e2e (the browser tests)"
go test -race -count=1 -timeout 15m "$@" ./internal/e2e
echo "== fuzz the protocol decoders (the server's, and the Go client's scanner)"
go test -run '^$' -fuzz '^FuzzDecode$' -fuzztime 100000x ./internal/protocol
go test -run '^$' -fuzz '^FuzzUnmarshalAgreesWithEncodingJSON$' -fuzztime 100000x ./internal/protocol
go test -run '^$' -fuzz '^FuzzFlatScannerAgreesWithTheDecoder$' -fuzztime 100000x ./internal/roomclient
