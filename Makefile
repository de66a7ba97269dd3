# Rapport. `make run` serves it; `make test` runs every test.
.PHONY: run dev test jstest build bench vet fmt clean

run:
	go run ./cmd/rapport serve

dev:
	go run ./cmd/rapport serve --dev

test:
	scripts/test.sh

# jstest type-checks the browser's JavaScript (tsc, installed by npm ci into
# internal/web/node_modules) and runs its unit tests (node --test).
jstest:
	scripts/test-js.sh

# bin/rapport is the server; bin/rapport-load the load generator, kept out of it.
build:
	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$$(git describe --tags --always --dirty 2>/dev/null || echo dev)" -o bin/rapport ./cmd/rapport
	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o bin/rapport-load ./cmd/rapport-load

bench:
	RAPPORT_TEST_POSTGRES=$${RAPPORT_TEST_POSTGRES:-$$(scripts/test-deps.sh | sed -n 's/^RAPPORT_TEST_POSTGRES=//p')} \
		go test -run '^$$' -bench . -benchmem ./...

vet:
	go vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin test-artifacts internal/web/node_modules
