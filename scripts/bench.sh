#!/usr/bin/env bash
# Measures the host-sync service as the README reports it: a real visitly-scimd
# on a fresh SQLite file, driven over loopback by visitly-load with 16 clients:
# an identity provider's initial cycle for 100,000 users, paging through all of
# them, then its steady mix. Usage:
#   scripts/bench.sh [USERS] [MIX_DURATION] [SCENARIOS]
# SCENARIOS is a space-separated list of visitly-load scenarios, each run on a
# fresh database and service: "all" (Azure AD, the default), "okta",
# "onelogin"; e.g. scripts/bench.sh 100000 20s "all okta onelogin".
set -euo pipefail
cd "$(dirname "$0")/.."
users=${1:-100000}
duration=${2:-20s}
scenarios=${3:-all}
work=$(mktemp -d)
pid=
trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT

go build -o "$work/visitly-scimd" ./cmd/visitly-scimd
go build -o "$work/visitly-load" ./cmd/visitly-load
echo "machine: $(nproc) cores, $(uname -sr), $(go version | cut -d' ' -f3)"
for scenario in $scenarios; do
  db="$work/bench-$scenario.db"
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
  ls -l "$db" | awk '{printf "database after the run: %.0f MB\n", $5/1048576}'
  rm -f "$db" "$db-wal" "$db-shm"
done
