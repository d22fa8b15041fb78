#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL 15: a new cluster in a
# temporary folder, on a free loopback port, removed at the end. The server is
# Debian's (/usr/lib/postgresql/*/bin) or, where there is none, the initdb and
# pg_ctl on PATH (a Mac: Homebrew's postgresql@15, whose bin folder the
# release workflow puts on PATH).
#
#   scripts/with-postgres.sh go test ./storage/pgstore/
#
# The command gets VISITLY_TEST_POSTGRES, a postgres:// URL of an empty
# database its tests may fill (they make their own schemas or databases
# beside it). PostgreSQL refuses to run as root, so as root the cluster runs
# as the `postgres` user the package created; any other user runs it as
# itself. It keeps to what macOS's bash 3.2 and BSD tools understand.
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
if [ ! -x "$bin/initdb" ] && command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
	bin=$(dirname "$(command -v initdb)")
fi
[ -x "$bin/initdb" ] || { echo "with-postgres: no PostgreSQL server (scripts/install-deps.sh installs postgresql-15; on a Mac: brew install postgresql@15 and put its bin folder on PATH)" >&2; exit 1; }

as=()
owner=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
	as=(runuser -u postgres --)
	owner=postgres
fi

dir=$(mktemp -d /tmp/visitly-pg.XXXXXX)
chmod 0755 "$dir"
mkdir "$dir/data" "$dir/run"
chown "$owner" "$dir/data" "$dir/run"

# macOS has no C.UTF-8 locale; the C locale with UTF-8 encoding collates the same (by code point).
locale=C.UTF-8
[ "$(uname -s)" != Darwin ] || locale=C

# Only root runs the server through runuser; ${as[@]+...} keeps an empty
# list from tripping set -u in bash 3.2.
run() { ${as[@]+"${as[@]}"} "$@"; }

# A free port: ask the kernel for one, then hand it to postgres. Another
# process could take it in between; pg_ctl then fails and we try again.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

stop() {
	run "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$dir"
}
trap stop EXIT

run "$bin/initdb" -D "$dir/data" -U visitly --auth=trust -E UTF8 --locale="$locale" >"$dir/initdb.log" 2>&1 ||
	{ cat "$dir/initdb.log" >&2; exit 1; }

# fsync stays on: the store's tests check what "acknowledged" means.
for try in 1 2 3; do
	port=$(free_port)
	if run "$bin/pg_ctl" -D "$dir/data" -l "$dir/run/postgres.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -p $port -k $dir/run -c max_connections=300 -c shared_buffers=128MB" start >/dev/null; then
		break
	fi
	[ "$try" -lt 3 ] || { cat "$dir/run/postgres.log" >&2; exit 1; }
done

export VISITLY_TEST_POSTGRES="postgres://visitly@127.0.0.1:$port/postgres?sslmode=disable"
echo "with-postgres: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
rc=0
"$@" || rc=$?
exit "$rc"
