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
# With PostgreSQL, REPLICAS=N (1 or more) serves through HAProxy (round-robin,
# health checks on /readyz) in front of N services on the one database, and
# CHAOS=1 (with N >= 2) kills one replica with SIGKILL every 10 s and starts
# it again 3 s later, for the whole run: the figure that matters then is no
# error.
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
replicas=${REPLICAS:-1}
balanced=${REPLICAS:+1}
if [ -n "$balanced" ] && [ -z "$pgurl" ]; then
  echo "bench.sh: REPLICAS needs PostgreSQL (VISITLY_BENCH_DB)" >&2
  exit 2
fi
pgdb=
pids=()
chaos=
cleanup() {
  stop_services
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

# start_replica I: service I on port ${ports[I]}.
start_replica() {
  "$work/visitly-scimd" serve --listen "127.0.0.1:${ports[$1]}" --db "$db" --log-level warn &
  pids[$1]=$!
}
wait_ready() {
  for _ in $(seq 200); do
    curl -fsS "$1/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "bench.sh: $1 did not get ready" >&2
  return 1
}
# start_services: the service (or REPLICAS of them behind HAProxy); its URL in $base.
start_services() {
  ports=()
  for i in $(seq 0 $((replicas - 1))); do
    ports[i]=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    start_replica "$i"
  done
  for i in $(seq 0 $((replicas - 1))); do wait_ready "http://127.0.0.1:${ports[$i]}"; done
  base="http://127.0.0.1:${ports[0]}"
  if [ -n "$balanced" ]; then
    lbport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    {
      printf 'global\n    maxconn 4096\ndefaults\n    mode http\n    timeout connect 2s\n    timeout client 60s\n    timeout server 60s\n'
      # A request whose replica died before answering is sent to another:
      # the mix's requests (GETs and PATCHes of replace) are idempotent.
      printf '    retries 3\n    option redispatch 1\n    retry-on conn-failure empty-response response-timeout 502 503\n    option http-buffer-request\n'
      printf 'frontend scim\n    bind 127.0.0.1:%s\n    default_backend replicas\n' "$lbport"
      printf 'backend replicas\n    balance roundrobin\n    option httpchk GET /readyz\n    http-check expect status 200\n    default-server inter 500ms fall 1 rise 2\n'
      for i in $(seq 0 $((replicas - 1))); do printf '    server r%s 127.0.0.1:%s check\n' "$i" "${ports[$i]}"; done
    } >"$work/haproxy.cfg"
    haproxy -db -f "$work/haproxy.cfg" &
    lbpid=$!
    base="http://127.0.0.1:$lbport"
    wait_ready "$base"
    echo "serving through HAProxy $(haproxy -v | awk 'NR==1{print $3}') in front of $replicas replicas"
    if [ "${CHAOS:-}" = 1 ] && [ "$replicas" -ge 2 ]; then
      ( while sleep 10; do
          kill -9 "${pids[1]}" 2>/dev/null; echo "chaos: replica 1 killed (SIGKILL) at $(date +%T)"
          sleep 3
          start_replica 1; echo "chaos: replica 1 started again at $(date +%T)"
        done ) &
      chaos=$!
    fi
  fi
}
stop_services() {
  if [ -n "$chaos" ]; then kill "$chaos" 2>/dev/null || true; wait "$chaos" 2>/dev/null || true; chaos=; fi
  # The chaos loop's own child may have restarted replica 1: stop what listens.
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  pkill -f "$work/visitly-scimd serve" 2>/dev/null || true
  if [ -n "${lbpid:-}" ]; then kill "$lbpid" 2>/dev/null || true; lbpid=; fi
  wait 2>/dev/null || true
  pids=()
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
  start_services
  echo
  echo "== scenario $scenario"
  rc=0
  VISITLY_API_KEY=$key "$work/visitly-load" -url "$base/v1/usersync/SCIM" \
    -clients 16 -users "$users" -duration "$duration" -scenario "$scenario" || rc=$?
  stop_services
  drop_db
  [ "$rc" -eq 0 ] || exit "$rc"
done
