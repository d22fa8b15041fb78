#!/usr/bin/env bash
# The project's whole check: what `make test` and CI (.ci/run) run.
#
#   scripts/test.sh              everything, the packaged builds included
#   SKIP_WINDOWS=1 scripts/test.sh   all but the packaged builds (Windows ~6.5 min cold, Linux ~3.5)
#
# It installs what is missing (scripts/install-deps.sh), then runs every step
# inside a throwaway X + D-Bus + unlocked gnome-keyring session
# (scripts/with-session.sh), prints each step's time, goes on past a failed
# step so one run shows every problem, and exits non-zero if any failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ "${HOSTSYNC_TEST_STAGE:-}" != session ]; then
	t0=$SECONDS
	echo "==> install-deps"
	godir=$(scripts/install-deps.sh)
	export PATH="$godir:$PATH"
	echo "==> install-deps: ok ($((SECONDS - t0))s)"
	export HOSTSYNC_TEST_STAGE=session HOSTSYNC_TEST_INSTALL_SECONDS=$((SECONDS - t0))
	exec scripts/with-session.sh bash "${BASH_SOURCE[0]}" "$@"
fi

# Packages that must stay free of Fyne and cgo: the service side.
backend=(./storage/hostdb ./storage/pgstore ./storage/keyring ./storage/mirror ./scimclient ./scimserver ./scimserver/certs ./service ./cmd/visitly-scimd)

summary=("install-deps ${HOSTSYNC_TEST_INSTALL_SECONDS}s")
failed=()
total_start=$((SECONDS - HOSTSYNC_TEST_INSTALL_SECONDS))

# step NAME CMD...: runs CMD, times it, records the outcome.
step() {
	local name=$1 start=$SECONDS rc=0
	shift
	echo
	echo "==> $name"
	"$@" || rc=$?
	local took=$((SECONDS - start))
	if [ "$rc" -eq 0 ]; then
		echo "==> $name: ok (${took}s)"
		summary+=("$name ${took}s")
	else
		echo "==> $name: FAILED with exit code $rc (${took}s)"
		summary+=("$name FAILED ${took}s")
		failed+=("$name")
	fi
}

check_gofmt() {
	local files bad
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		files=$(git ls-files -co --exclude-standard -- '*.go' ':!:**/testdata/**')
	else
		files=$(find . -name '*.go' -not -path '*/testdata/*' -not -path './.git/*')
	fi
	[ -n "$files" ] || return 0
	# shellcheck disable=SC2086 # file names have no spaces
	# Errexit is off inside a step (it runs in an || list): check by hand.
	bad=$(gofmt -l $files) || return 1
	if [ -n "$bad" ]; then
		echo "gofmt would change these files (run gofmt -w):"
		echo "$bad"
		return 1
	fi
}

check_no_fyne() {
	local p deps rc=0
	for p in "${backend[@]}"; do
		deps=$(go list -deps "$p") || { rc=1; continue; }
		deps=$(grep '^fyne\.io/' <<<"$deps" || true)
		if [ -n "$deps" ]; then
			echo "$p depends on Fyne: $(echo $deps)"
			rc=1
		fi
	done
	return "$rc"
}

# The screens know no SQL and no keyring: they get interfaces, wired in cmd.
check_ui_deps() {
	local deps
	deps=$(go list -deps ./ui/...) || return 1
	deps=$(grep -xE 'database/sql|modernc\.org/sqlite|github\.com/zalando/go-keyring' <<<"$deps" || true)
	if [ -n "$deps" ]; then
		echo "ui depends on $(echo $deps)"
		return 1
	fi
}

# The domain package at the root imports the standard library only: every
# side imports it, so anything it pulled in would reach them all.
check_domain_deps() {
	local deps
	deps=$(go list -deps -f '{{if not .Standard}}{{.ImportPath}}{{end}}' .) || return 1
	deps=$(grep -v -x 'github.com/visitly/hostsync' <<<"$deps" || true)
	if [ -n "$deps" ]; then
		echo "hostsync depends on $(echo $deps)"
		return 1
	fi
}

# The SCIM service speaks to a Store in the domain's words: none of its
# non-test files imports a store, so every store (SQLite's hostdb,
# PostgreSQL's pgstore) stands behind it alike.
check_scimserver_no_store() {
	local deps
	deps=$(go list -f '{{join .Imports "\n"}}' ./scimserver/...) || return 1
	deps=$(grep -E '^github\.com/visitly/hostsync/storage(/|$)' <<<"$deps" || true)
	if [ -n "$deps" ]; then
		echo "scimserver imports $(echo $deps)"
		return 1
	fi
}

# One architecture per OS: our code has nothing architecture-specific, and
# each target is a cold compile of SQLite's generated Go (~60 s on two cores).
# arm64 is the Mac of today.
cross_build_backend() {
	local target rc=0
	for target in windows/amd64 darwin/arm64; do
		echo "CGO_ENABLED=0 GOOS=${target%/*} GOARCH=${target#*/} go build" "${backend[@]}"
		CGO_ENABLED=0 GOOS=${target%/*} GOARCH=${target#*/} go build "${backend[@]}" || rc=1
	done
	return "$rc"
}

# The Windows cross-build compiles the GL code with mingw on one core for
# ~6.5 min cold, then the Linux package builds the console plainly (~3.5 min
# cold) and packs it with fyne, so they start now, in the background, and
# fill the core the other steps leave idle; their own step below waits for
# them and shows their log.
windows_pid=
windows_log=$(mktemp)
start_windows_build() {
	if [ "${SKIP_WINDOWS:-}" = 1 ]; then
		return
	fi
	# Its own process group, so that an interrupted run can stop all of it.
	setsid bash -c 'start=$SECONDS rc=0
		make --no-print-directory windows linux || rc=$?
		echo "(built in the background in $((SECONDS - start))s)"
		exit "$rc"' >"$windows_log" 2>&1 &
	windows_pid=$!
}
finish_windows_build() {
	local rc=0
	wait "$windows_pid" || rc=$?
	windows_pid=
	cat "$windows_log"
	return "$rc"
}
trap '[ -z "$windows_pid" ] || kill -- "-$windows_pid" 2>/dev/null; rm -f "$windows_log"' EXIT

# The real console under its own X server and bus, driven by xdotool
# (cmd/visitly-console/e2e/run.sh). Built with -race: it reuses what go vet
# and go test compiled, and catches data races in the running app.
e2e() {
	local dir rc=0
	dir=$(mktemp -d)
	go build -race -o "$dir/visitly-console" ./cmd/visitly-console &&
		xvfb-run -a -s "-screen 0 1366x768x24" dbus-run-session -- \
			bash cmd/visitly-console/e2e/run.sh "$dir/visitly-console" "$dir/out" || rc=$?
	if [ "$rc" -eq 0 ]; then
		rm -rf "$dir"
	elif [ -f "$dir/out/console.log" ]; then
		echo "e2e console log (screenshots kept in $dir/out):"
		cat "$dir/out/console.log"
	fi
	return "$rc"
}

# staticcheck at the version tools/go.mod pins (its own module, so that the
# linter's golang.org/x dependencies never move the product's). It loads the
# packages through go list -export, which compiles them: with -race that is the
# compile go vet -race just did (cached), not a second one of Fyne's GL and
# SQLite (cold on two idle cores: 28 s instead of 240 s).
run_staticcheck() {
	local bin
	bin=$(mktemp -d)/staticcheck
	go -C tools build -o "$bin" honnef.co/go/tools/cmd/staticcheck && GOFLAGS=-race "$bin" ./...
}

# actionlint at the version tools/go.mod pins, on the release workflow (the
# builds that need a Mac or Windows run there, not here). With shellcheck on
# PATH it checks the workflow's run: scripts too.
run_actionlint() {
	local bin
	bin=$(mktemp -d)/actionlint
	go -C tools build -o "$bin" github.com/rhysd/actionlint/cmd/actionlint && "$bin" -no-color .github/workflows/*.yml
}

# Let's Encrypt's test CA and its DNS, at the versions tools/go.mod pins, for
# the ACME end-to-end tests (scimserver/certs, cmd/visitly-scimd), which skip
# without them. Built before go test so that their absence is a failure here.
build_pebble() {
	local bin
	bin=$(mktemp -d)
	go -C tools build -o "$bin/" github.com/letsencrypt/pebble/v2/cmd/pebble \
		github.com/letsencrypt/pebble/v2/cmd/pebble-challtestsrv || return 1
	export PEBBLE_BIN="$bin/pebble" CHALLTESTSRV_BIN="$bin/pebble-challtestsrv"
}

# go.mod and go.sum say exactly what the code imports: `go mod tidy` would
# change nothing, in each module.
check_tidy() {
	local m rc=0
	for m in . tools scimserver/frameworkcheck; do
		(cd "$m" && go mod tidy -diff) || { echo "go mod tidy would change $m/go.mod or go.sum"; rc=1; }
	done
	return "$rc"
}

# scimserver/frameworkcheck is its own module, so that the product never
# depends on the SCIM framework it tests; the root's ./... skips it.
framework_check() {
	(cd scimserver/frameworkcheck && go vet ./... && go test -count=1 ./...)
}

go version
step "gofmt" check_gofmt
start_windows_build
# -race here too: vet then compiles the cgo GL packages exactly as go test
# -race does below, so the ~3.5 min compile is paid once (same GOCACHE).
step "go vet" go vet -race ./...
step "staticcheck" run_staticcheck
step "go mod tidy leaves no diff" check_tidy
step "actionlint (release workflow)" run_actionlint
step "backend without Fyne" check_no_fyne
step "ui without SQL or keyring" check_ui_deps
step "hostsync on the standard library only" check_domain_deps
step "scimserver imports no store" check_scimserver_no_store
step "backend cross-builds (windows/amd64, darwin/arm64)" cross_build_backend
step "pebble (ACME test CA) from tools/go.mod" build_pebble
# The stores' tests run on a real PostgreSQL started for this step alone.
# One package at a time (-p 1): PostgreSQL's change feed serves what no
# running transaction can precede, and while another package's bulk tests
# churn thousands of transactions a second on the same server, a read right
# after a write may wait out its bound (2 s) and not see it yet — right for
# the product, which reads again, but not for a test that reads once.
step "go test (beside a throwaway PostgreSQL)" scripts/with-postgres.sh go test -p 1 -race -count=1 -timeout 20m ./...
step "SCIM framework decision test (scimserver/frameworkcheck)" framework_check
step "end-to-end run of the console" e2e
if [ "${SKIP_WINDOWS:-}" = 1 ]; then
	echo
	echo "==> packaged builds (Windows, Linux): skipped (SKIP_WINDOWS=1)"
	summary+=("windows skipped")
else
	step "packaged builds: Windows cross-build, Linux fyne package (make windows linux)" finish_windows_build
	step "Windows builds under Wine: service, MSI, window, CLI (scripts/wine-test.sh)" scripts/wine-test.sh
fi
# Resident memory depends on how far the collector lags behind, so it is
# measured last, when no build runs in the background and no other test binary.
step "memory under 300 clients that do not read (alone)" \
	env VISITLY_MEMORY_TEST=1 go test -count=1 -run '^TestMemoryUnderClientsThatDoNotRead$' -v ./cmd/visitly-scimd

join() { local IFS=';'; echo "$*" | sed 's/;/; /g'; }
echo
if [ ${#failed[@]} -eq 0 ]; then
	echo "test.sh: all steps ok in $((SECONDS - total_start))s ($(join "${summary[@]}"))"
else
	echo "test.sh: FAILED: $(join "${failed[@]}") ($((SECONDS - total_start))s: $(join "${summary[@]}"))"
	exit 1
fi
