#!/usr/bin/env bash
# Measures the host-sync service as the README reports it: a real visitly-scimd
# on a fresh SQLite file, driven over loopback by visitly-load with 16 clients:
# Azure AD's initial cycle for 100,000 users, paging through all of them, then
# the steady 40/30/30 mix. Usage: scripts/bench.sh [USERS] [MIX_DURATION]
set -euo pipefail
cd "$(dirname "$0")/.."
users=${1:-100000}
duration=${2:-20s}
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

go build -o "$work/visitly-scimd" ./cmd/visitly-scimd
go build -o "$work/visitly-load" ./cmd/visitly-load
key=$("$work/visitly-scimd" apikey create --db "$work/bench.db" --label bench)
port=$(( 20000 + RANDOM % 20000 ))
"$work/visitly-scimd" serve --listen "127.0.0.1:$port" --db "$work/bench.db" --log-level warn &
pid=$!
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
echo "machine: $(nproc) cores, $(uname -sr), $(go version | cut -d' ' -f3)"
VISITLY_API_KEY=$key "$work/visitly-load" -url "http://127.0.0.1:$port/v1/usersync/SCIM" \
  -clients 16 -users "$users" -duration "$duration" -scenario all
ls -l "$work/bench.db" | awk '{printf "database after the run: %.0f MB\n", $5/1048576}'
