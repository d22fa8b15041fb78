#!/usr/bin/env bash
# Measures the host-sync service as the README reports it: a real visitly-scimd
# on a fresh SQLite file, driven over loopback by visitly-load with 16 clients:
# an identity provider's initial cycle for 100,000 users, paging through all of
# them, then its steady mix. Usage:
#   scripts/bench.sh [USERS] [MIX_DURATION] [SCENARIOS]
# SCENARIOS is a space-separated list of visitly-load scenarios, each run on a
# fresh database and service: "all" (Azure AD, the default), "okta",
# "onelogin"; e.g. scripts/bench.sh 100000 20s "all okta onelogin".
#
# On PostgreSQL instead of SQLite:
#   VISITLY_BENCH_DB=postgres scripts/bench.sh …      a throwaway PostgreSQL on this
#                                                     machine (scripts/with-postgres.sh)
#   VISITLY_BENCH_DB=postgres://u@host/db scripts/bench.sh …
#                                                     a server of yours: each scenario
#                                                     gets a fresh database beside db
#                                                     (the role needs CREATEDB)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${VISITLY_BENCH_DB:-}" = postgres ]; then
  exec scripts/with-postgres.sh bash -c 'VISITLY_BENCH_DB=$VISITLY_TEST_POSTGRES exec "$0" "$@"' "$0" "$@"
fi
pgurl=${VISITLY_BENCH_DB:-}
psql=$(ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n1 || true)
users=${1:-100000}
duration=${2:-20s}
scenarios=${3:-all}
work=$(mktemp -d)
pid=
pgdb=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ -n "$pgdb" ]; then "$psql" -q "$pgurl" -c "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# fresh_db SCENARIO: a new empty database for one scenario (a file, or a
# database beside $pgurl), its name in $db.
fresh_db() {
  if [ -z "$pgurl" ]; then
    db="$work/bench-$1.db"
    return
  fi
  pgdb="visitly_bench_$1_$RANDOM"
  "$psql" -q "$pgurl" -c "CREATE DATABASE $pgdb"
  db=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$pgurl" "$pgdb")
}
drop_db() {
  if [ -z "$pgurl" ]; then
    ls -l "$db" | awk '{printf "database after the run: %.0f MB\n", $5/1048576}'
    rm -f "$db" "$db-wal" "$db-shm"
    return
  fi
  "$psql" -qtA "$db" -c "SELECT 'database after the run: ' || pg_database_size(current_database()) / 1048576 || ' MB'"
  "$psql" -q "$pgurl" -c "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)"
  pgdb=
}

go build -o "$work/visitly-scimd" ./cmd/visitly-scimd
go build -o "$work/visitly-load" ./cmd/visitly-load
echo "machine: $(nproc) cores, $(uname -sr), $(go version | cut -d' ' -f3)"
if [ -n "$pgurl" ]; then
  echo "store: PostgreSQL $("$psql" -qtA "$pgurl" -c 'SHOW server_version')"
else
  echo "store: SQLite"
fi
for scenario in $scenarios; do
  fresh_db "$scenario"
  idp=azuread
  case $scenario in okta | onelogin) idp=$scenario ;; esac # the key belongs to the IdP it plays
  key=$("$work/visitly-scimd" apikey create --db "$db" --label "bench $scenario" --idp "$idp")
  port=$(( 20000 + RANDOM % 20000 ))
  "$work/visitly-scimd" serve --listen "127.0.0.1:$port" --db "$db" --log-level warn &
  pid=$!
  for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  echo
  echo "== scenario $scenario"
  VISITLY_API_KEY=$key "$work/visitly-load" -url "http://127.0.0.1:$port/v1/usersync/SCIM" \
    -clients 16 -users "$users" -duration "$duration" -scenario "$scenario"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=
  drop_db
done
