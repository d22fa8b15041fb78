#!/usr/bin/env bash
# Installs what the console needs on Debian/Ubuntu (apt packages, a new enough
# Go) and starts it on its embedded service. Arguments go to the console,
# e.g. scripts/run.sh --data-dir /tmp/visitly-demo
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
gobin=$(bash scripts/install-deps.sh)
export PATH="$gobin:$PATH"
echo "building the console (the first build compiles the OpenGL driver: a few minutes)…" >&2
go build -o bin/visitly-console ./cmd/visitly-console
exec bin/visitly-console "$@"
