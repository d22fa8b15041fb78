#!/usr/bin/env bash
# Packages the console for macOS into dist/, on a Mac (the window's GL and
# menu code is cgo against Apple's SDK: Linux cannot build it):
#   Visitly-Console-<version>-macos-<arch>.dmg  a disk image holding
#   "Visitly Console.app", made by `fyne package --target darwin`: the
#   bundle's name, ID (io.visitly.hostsync), version, build and icon come
#   from FyneApp.toml.
# With MACOS_SIGN_IDENTITY (a "Developer ID Application: …" identity in an
# unlocked keychain) the app and the image are signed with the hardened
# runtime and a secure timestamp, as notarization requires; without it they
# are signed ad hoc only and Gatekeeper asks before the first start (see the
# README).
# Notarizing needs Apple's account and is left to the release workflow.
#
# The binary is built with plain `go build` and handed to fyne as
# --executable, as in scripts/package-linux.sh, at the same fyne version.
# It keeps to what macOS's bash 3.2 understands.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

[ "$(uname -s)" = Darwin ] || { echo "package-macos: run this on a Mac" >&2; exit 1; }
toml() { awk -F' *= *' -v k="$1" '$1 == k { gsub(/"/, "", $2); print $2; exit }' FyneApp.toml; }
version=$(toml Version)
name=$(toml Name)
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "package-macos: bad Version in FyneApp.toml: $version" >&2; exit 1; }
fyne_version=v1.7.4 # fyne.io/tools, as in scripts/package-linux.sh
arch=$(go env GOARCH)
dmg="dist/Visitly-Console-$version-macos-$arch.dmg"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

GOFLAGS='' GOBIN="$work/bin" go install "fyne.io/tools/cmd/fyne@$fyne_version"

CGO_ENABLED=1 go build -ldflags "-s -w -X main.version=$version" -o "$work/app/visitly-console" ./cmd/visitly-console
# fyne reads FyneApp.toml from the folder it packages and insists on Go code
# there: a copy of it, the icon and a stub (as in package-linux.sh).
mkdir -p "$work/app/assets"
cp FyneApp.toml "$work/app/"
cp assets/icon.png "$work/app/assets/"
printf 'package main\n' >"$work/app/stub.go"
(cd "$work/app" && "$work/bin/fyne" package --target darwin --executable visitly-console --release)
app="$work/app/$name.app"
[ -x "$app/Contents/MacOS/visitly-console" ] || { echo "package-macos: $app has no Contents/MacOS/visitly-console" >&2; exit 1; }
id=$(/usr/libexec/PlistBuddy -c 'Print :CFBundleIdentifier' "$app/Contents/Info.plist")
[ "$id" = io.visitly.hostsync ] || { echo "package-macos: bundle ID is $id, want io.visitly.hostsync (the keychain's service name)" >&2; exit 1; }

if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
	codesign --force --deep --options runtime --timestamp --sign "$MACOS_SIGN_IDENTITY" "$app"
else
	# Ad hoc: the linker signed the binary alone, before fyne added
	# Info.plist; a bundle whose seal does not cover it can be called
	# "damaged" instead of "unidentified developer" on Apple silicon.
	codesign --force --deep --sign - "$app"
fi
codesign --verify --deep --strict --verbose=2 "$app"

# The image shows the app beside a link to /Applications, to drag it onto.
mkdir "$work/dmg"
cp -R "$app" "$work/dmg/"
ln -s /Applications "$work/dmg/Applications"
mkdir -p dist
# hdiutil now and then fails with "Resource busy" on a busy Mac: try again.
for try in 1 2 3; do
	hdiutil create -volname "$name" -srcfolder "$work/dmg" -ov -format UDZO "$dmg" && break
	[ "$try" -lt 3 ] || exit 1
	sleep 5
done
if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
	codesign --force --timestamp --sign "$MACOS_SIGN_IDENTITY" "$dmg"
fi
echo "$dmg ($(du -h "$dmg" | cut -f1))"
