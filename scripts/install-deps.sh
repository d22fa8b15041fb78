#!/usr/bin/env bash
# Installs what building and testing Visitly Host Sync needs on Debian 12:
# the apt packages (cgo/GL headers, Xvfb, D-Bus, gnome-keyring, mingw-w64…),
# the en_US.UTF-8 locale, and a Go at least as new as go.mod asks for.
#
# Idempotent and non-interactive: on a machine that has everything it only
# queries dpkg and exits in about a second. All messages go to stderr; stdout
# gets exactly one line, the directory holding the `go` to use, so callers can
# do: PATH="$(scripts/install-deps.sh):$PATH".
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log() { printf 'install-deps: %s\n' "$*" >&2; }

# The packages of shared/TOOLCHAIN.md §Packages, plus the Windows cross
# compiler, the basics a fresh image may lack, strace (for
# cmd/visitly-scimd's test that an answered write was fsynced first), and for
# the Windows packages and their run under Wine (scripts/package-windows.sh,
# scripts/wine-test.sh): wine (8.0, 64-bit only), msitools and wixl (the
# MSI), zip, curl; PostgreSQL 15 and HAProxy for the PostgreSQL store's tests
# and the replicas behind a balancer (scripts/with-postgres.sh, go test),
# shellcheck for actionlint's check of the release workflow's scripts, and
# python3, which the scripts ask for a free port.
packages=(
	gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev
	libxi-dev libxxf86vm-dev libgl1-mesa-dri xvfb xauth xdotool imagemagick
	dbus dbus-bin gnome-keyring libsecret-tools
	gcc-mingw-w64-x86-64 make git ca-certificates fonts-dejavu-core locales strace
	wine wine64 msitools wixl zip curl
	postgresql-15 haproxy shellcheck python3
)

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { log "not root and no sudo: cannot install packages"; exit 1; }
	sudo=(sudo)
fi

# dpkg-query lists every package it knows with its state; anything not
# "installed" (or unknown to dpkg) is missing.
missing=()
installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${packages[@]}" 2>/dev/null || true)
for p in "${packages[@]}"; do
	grep -qx "$p installed" <<<"$installed" || missing+=("$p")
done

apt_install() {
	export DEBIAN_FRONTEND=noninteractive
	# An image without package lists (or with stale ones) needs an update first.
	if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2; then
		"${sudo[@]}" apt-get update -q >&2
		"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2
	fi
}

if [ ${#missing[@]} -gt 0 ]; then
	log "installing ${missing[*]}"
	apt_install "${missing[@]}"
else
	log "apt packages: all present"
fi

# Fyne reads LANG; with C.UTF-8 every test logs "Error parsing user locale C".
if ! locale -a 2>/dev/null | grep -qix 'en_US.utf-\?8'; then
	log "generating the en_US.UTF-8 locale"
	"${sudo[@]}" localedef -i en_US -c -f UTF-8 -A /usr/share/locale/locale.alias en_US.UTF-8 >&2 ||
		log "could not generate en_US.UTF-8; scripts/with-session.sh falls back to C.UTF-8"
fi

# --- Go ---------------------------------------------------------------------
want=$(awk '$1 == "go" { print "go" $2; exit }' "$root/go.mod")
[ -n "$want" ] || { log "no go directive in go.mod"; exit 1; }

# go_ok DIR: DIR/go exists and is at least $want.
go_ok() {
	local have
	[ -x "$1/go" ] || return 1
	have=$(GOTOOLCHAIN=local "$1/go" env GOVERSION 2>/dev/null) || return 1
	[ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -n1)" = "$want" ]
}

candidates=(/usr/local/go/bin)
if command -v go >/dev/null; then candidates+=("$(dirname "$(command -v go)")"); fi
for dir in "${candidates[@]}"; do
	if go_ok "$dir"; then
		log "Go: $("$dir/go" env GOVERSION) in $dir"
		echo "$dir"
		exit 0
	fi
done

# No usable Go: bootstrap with Debian's (older) Go, which fetches the wanted
# toolchain as an ordinary module through the default module proxy.
arch=$(dpkg --print-architecture)
toolchain="golang.org/toolchain@v0.0.1-${want}.linux-${arch}"
if ! command -v go >/dev/null && [ ! -x /usr/lib/go/bin/go ]; then
	log "installing golang-go to bootstrap $want"
	apt_install golang-go
fi
bootstrap=$(command -v go || echo /usr/lib/go/bin/go)
log "downloading $toolchain with $bootstrap"
# Run outside the module: an old go cannot parse go.mod's three-part version.
dir=$(cd / && GO111MODULE=on GOTOOLCHAIN=local GOFLAGS=-modcacherw "$bootstrap" mod download -json "$toolchain" |
	awk -F'"' '$2 == "Dir" { print $4 }')
[ -n "$dir" ] && [ -d "$dir" ] || { log "download of $toolchain failed"; exit 1; }
# Module zips carry no file modes: make the toolchain's programs executable.
chmod +x "$dir"/bin/* "$dir"/pkg/tool/*/*
go_ok "$dir/bin" || { log "$dir/bin/go is not a usable $want"; exit 1; }
log "Go: $want in $dir/bin; use PATH=$dir/bin:\$PATH"
echo "$dir/bin"
