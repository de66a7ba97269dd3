#!/usr/bin/env bash
# Checks the browser code: installs the pinned TypeScript into
# internal/web/node_modules (npm ci, from package-lock.json), type-checks
# the room page's JavaScript with tsc --noEmit, and runs the unit tests of
# its pure functions with node's test runner. `make jstest` runs it alone;
# `make test` runs it with everything else.
set -euo pipefail
cd "$(dirname "$0")/../internal/web"

die() { echo "test-js: FAILED: $*" >&2; exit 1; }
command -v node >/dev/null || die "node is missing (apt-get install nodejs npm)"
command -v npm >/dev/null || die "npm is missing (apt-get install npm)"

# npm ci again only when the lock file changed since the last install.
if [ ! -x node_modules/.bin/tsc ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	echo "test-js: npm ci (TypeScript $(sed -n 's/.*"typescript": "\(.*\)".*/\1/p' package.json))" >&2
	npm ci --no-audit --no-fund --loglevel=error >&2 || die "npm ci could not install TypeScript"
fi
echo "== tsc --noEmit (internal/web/tsconfig.json)"
node_modules/.bin/tsc --noEmit -p tsconfig.json
echo "== node --test internal/web/jstest"
node --test jstest/
