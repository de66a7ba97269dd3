#!/usr/bin/env bash
# Finds, starts or installs what the tests need, then prints the settings
# the tests read (KEY=VALUE lines) on stdout. Progress goes to stderr.
# Under CI=true a part that cannot be had is an error, never a skip.
set -euo pipefail

say() { echo "test-deps: $*" >&2; }
die() { echo "test-deps: FAILED: $*" >&2; exit 1; }

apt_install() {
	if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
		return 1
	fi
	if [ -z "${APT_UPDATED:-}" ]; then
		say "apt-get update"
		apt-get update -qq >&2 || true
		APT_UPDATED=1
	fi
	say "installing $*"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

# --- Chromium, for the browser tests ---------------------------------------
chromium=${RAPPORT_CHROMIUM:-}
if [ -z "$chromium" ]; then
	chromium=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
fi
if [ -z "$chromium" ]; then
	apt_install chromium || die "Chromium is missing and could not be installed (apt-get install chromium)"
	chromium=$(command -v chromium) || die "chromium installed but not on PATH"
fi
say "chromium: $chromium"
echo "RAPPORT_CHROMIUM=$chromium"

# --- Node and npm, for the JavaScript's type check and unit tests ----------
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	apt_install nodejs npm || die "node or npm is missing and could not be installed (apt-get install nodejs npm)"
fi
say "node: $(command -v node) $(node --version)"

# --- PostgreSQL, for the store suite on the second dialect -----------------
pg_ok() { psql "$1" -Atqc 'select 1' >/dev/null 2>&1; }

pg_url=${RAPPORT_TEST_POSTGRES:-}
if [ -n "$pg_url" ]; then
	pg_ok "$pg_url" || die "RAPPORT_TEST_POSTGRES=$pg_url does not answer"
else
	if ! command -v psql >/dev/null || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
		apt_install postgresql postgresql-client || die "PostgreSQL is missing and could not be installed"
	fi
	system_url="postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	if pg_ok "$system_url"; then
		pg_url=$system_url
	elif command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ] && \
		pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start >&2 2>&1 && \
		sleep 2 && pg_ok "$system_url"; then
		say "started the system PostgreSQL"
		pg_url=$system_url
	else
		# A throwaway cluster of our own, with trust auth on a private port.
		bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
		dir=${TMPDIR:-/tmp}/rapport-test-pg
		port=55432
		own_url="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
		if ! pg_ok "$own_url"; then
			runas=()
			if [ "$(id -u)" = 0 ]; then
				id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
				runas=(runuser -u postgres --)
			fi
			rm -rf "$dir" && mkdir -p "$dir"
			[ "$(id -u)" = 0 ] && chown postgres "$dir"
			say "starting a throwaway PostgreSQL in $dir on port $port"
			"${runas[@]}" "$bin/initdb" -D "$dir" -A trust -U postgres >/dev/null
			"${runas[@]}" "$bin/pg_ctl" -D "$dir" -l "$dir/log" -w \
				-o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >&2
		fi
		pg_ok "$own_url" || die "could not start PostgreSQL (see $dir/log)"
		pg_url=$own_url
	fi
fi
say "postgres: $pg_url"
echo "RAPPORT_TEST_POSTGRES=$pg_url"

# --- espeak-ng and pocketsphinx, for the speech tests ------------------------
speech_ok() {
	command -v espeak-ng >/dev/null && command -v pocketsphinx_continuous >/dev/null &&
		[ -f /usr/share/pocketsphinx/model/en-us/en-us/mdef ]
}
if ! speech_ok; then
	apt_install espeak-ng pocketsphinx pocketsphinx-en-us ||
		die "espeak-ng or pocketsphinx is missing and could not be installed (apt-get install espeak-ng pocketsphinx pocketsphinx-en-us)"
	speech_ok || die "espeak-ng, pocketsphinx_continuous or pocketsphinx's en-us model is still missing after installing them"
fi
say "speech: $(command -v espeak-ng), $(command -v pocketsphinx_continuous) with /usr/share/pocketsphinx/model/en-us"

# --- Mailpit, a real SMTP server for the mail tests ------------------------
# Installed once into a cache directory from the Go module proxy, started on
# two free loopback ports, and found again on the next run by its ports file.
mailpit_version=v1.33.1
mailpit_dir=${XDG_CACHE_HOME:-$HOME/.cache}/rapport-test/mailpit-$mailpit_version
mailpit_ports=${TMPDIR:-/tmp}/rapport-test-mailpit.ports
mailpit_ok() { curl -fsS --max-time 2 "$1/api/v1/info" >/dev/null 2>&1; }
# free_port prints a loopback port nobody listens on.
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 40000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}

mailpit_smtp=${RAPPORT_TEST_MAILPIT_SMTP:-}
mailpit_api=${RAPPORT_TEST_MAILPIT_API:-}
if [ -n "$mailpit_api" ]; then
	mailpit_ok "$mailpit_api" || die "RAPPORT_TEST_MAILPIT_API=$mailpit_api does not answer"
elif [ -f "$mailpit_ports" ] && read -r smtp_port http_port <"$mailpit_ports" && mailpit_ok "http://127.0.0.1:$http_port"; then
	mailpit_smtp=127.0.0.1:$smtp_port mailpit_api=http://127.0.0.1:$http_port
else
	mailpit=$(command -v mailpit || true)
	if [ -z "$mailpit" ]; then
		mailpit=$mailpit_dir/mailpit
		if [ ! -x "$mailpit" ]; then
			say "installing Mailpit $mailpit_version into $mailpit_dir (go install, once)"
			mkdir -p "$mailpit_dir"
			GOBIN=$mailpit_dir GOFLAGS=-mod=mod go install "github.com/axllent/mailpit@$mailpit_version" >&2 ||
				die "Mailpit could not be installed (go install github.com/axllent/mailpit@$mailpit_version)"
		fi
	fi
	smtp_port=$(free_port) http_port=$(free_port)
	say "starting Mailpit on SMTP 127.0.0.1:$smtp_port and HTTP 127.0.0.1:$http_port"
	nohup "$mailpit" --smtp "127.0.0.1:$smtp_port" --listen "127.0.0.1:$http_port" --max 0 \
		--smtp-auth-accept-any --smtp-auth-allow-insecure >"${TMPDIR:-/tmp}/rapport-test-mailpit.log" 2>&1 &
	for _ in $(seq 50); do mailpit_ok "http://127.0.0.1:$http_port" && break; sleep 0.2; done
	mailpit_ok "http://127.0.0.1:$http_port" || die "Mailpit did not start (see ${TMPDIR:-/tmp}/rapport-test-mailpit.log)"
	echo "$smtp_port $http_port" >"$mailpit_ports"
	mailpit_smtp=127.0.0.1:$smtp_port mailpit_api=http://127.0.0.1:$http_port
fi
say "mailpit: SMTP $mailpit_smtp, API $mailpit_api"
echo "RAPPORT_TEST_MAILPIT_SMTP=$mailpit_smtp"
echo "RAPPORT_TEST_MAILPIT_API=$mailpit_api"

# --- Redis, for the cluster's tests ------------------------------------------
redis_ok() { redis-cli -u "$1" ping 2>/dev/null | grep -q PONG; }
redis_url=${RAPPORT_TEST_REDIS:-}
if [ -n "$redis_url" ]; then
	redis_ok "$redis_url" || die "RAPPORT_TEST_REDIS=$redis_url does not answer"
else
	if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
		apt_install redis-server redis-tools || die "Redis is missing and could not be installed (apt-get install redis-server)"
	fi
	redis_url=redis://127.0.0.1:6379/0
	if ! redis_ok "$redis_url"; then
		say "starting Redis on 127.0.0.1:6379 (keeps nothing on disk)"
		redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >&2
		for _ in $(seq 50); do redis_ok "$redis_url" && break; sleep 0.1; done
		redis_ok "$redis_url" || die "could not start Redis on 127.0.0.1:6379"
	fi
fi
say "redis: $redis_url"
echo "RAPPORT_TEST_REDIS=$redis_url"
