#!/usr/bin/env bash
# Packages the console for Linux into dist/:
#   visitly-console-<version>-linux-amd64.tar.xz  made by `fyne package
#   --target linux`: the binary under usr/local/bin, a .desktop entry, the
#   icon, and a Makefile whose `make install` (as root) puts them in place.
# The version, name, app ID and desktop entry come from FyneApp.toml. The
# binary is built with plain `go build` first and handed to fyne as
# --executable: fyne's own build uses other CGO flags and would compile the
# GL code again (~3.5 min).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

toml() { awk -F' *= *' -v k="$1" '$1 == k { gsub(/"/, "", $2); print $2; exit }' FyneApp.toml; }
version=$(toml Version)
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "package-linux: bad Version in FyneApp.toml: $version" >&2; exit 1; }
fyne_version=v1.7.4 # fyne.io/tools; it packages, the app is built by go build
out="dist/visitly-console-$version-linux-amd64.tar.xz"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

gobin=$(go env GOPATH)/bin
if ! "$gobin/fyne" version 2>/dev/null | grep -q "$fyne_version"; then
	GOFLAGS= go install "fyne.io/tools/cmd/fyne@$fyne_version"
fi

go build -ldflags "-s -w -X main.version=$version" -o "$work/app/visitly-console" ./cmd/visitly-console
# fyne reads FyneApp.toml from the folder it packages and insists on Go
# code there; the metadata lives at the repository's root, so it packages
# a folder holding a copy of it, the icon and a stub.
mkdir -p "$work/app/assets"
cp FyneApp.toml "$work/app/"
cp assets/icon.png "$work/app/assets/"
printf 'package main\n' >"$work/app/stub.go"
(cd "$work/app" && "$gobin/fyne" package --target linux --executable visitly-console --release)

mkdir -p dist
mv "$work/app/"*.tar.xz "$out"
# What users rely on: the binary, the .desktop entry pointing at it, the icon.
listing=$(tar -tJf "$out")
for want in usr/local/bin/visitly-console usr/local/share/applications/io.visitly.hostsync.desktop \
	usr/local/share/pixmaps/io.visitly.hostsync.png Makefile; do
	grep -q "/$want\$" <<<"$listing" || { echo "package-linux: $out lacks $want" >&2; exit 1; }
done
tar -xJOf "$out" --wildcards '*/io.visitly.hostsync.desktop' | grep -qx 'Exec=visitly-console' ||
	{ echo "package-linux: the .desktop entry does not start visitly-console" >&2; exit 1; }
echo "$out ($(du -h "$out" | cut -f1))"
