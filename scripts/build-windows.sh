#!/usr/bin/env bash
# Cross-builds the Windows release from Linux into dist/:
#   visitly-console-<version>-windows-amd64.exe  GUI exe (-H=windowsgui) with
#                                                the app icon and version info
#   visitly-console-<version>-windows-amd64.com  the same program as a console
#                                                exe, for the command line in
#                                                cmd.exe/PowerShell (which run
#                                                NAME.com before NAME.exe); with
#                                                no subcommand it starts the .exe
#   visitly-scimd-<version>-windows-amd64.exe    console exe, pure Go
# The version comes from FyneApp.toml. Needs mingw-w64 and ImageMagick
# (scripts/install-deps.sh). The console's cgo GL code takes ~6.5 min to
# compile cold, seconds warm.
#
# On Windows itself (the release workflow's runner, in Git Bash) the MinGW
# tools have no target prefix and ImageMagick 7 is `magick`:
#   CROSS_PREFIX= MAGICK=magick scripts/build-windows.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

toml() { awk -F' *= *' -v k="$1" '$1 == k { gsub(/"/, "", $2); print $2; exit }' FyneApp.toml; }
version=$(toml Version)
build=$(toml Build)
name=$(toml Name)
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "build-windows: bad Version in FyneApp.toml: $version" >&2; exit 1; }
[[ $build =~ ^[0-9]+$ ]] || { echo "build-windows: bad Build in FyneApp.toml: $build" >&2; exit 1; }

# The cross tools' prefix (set but empty: the plain names; not MINGW_PREFIX,
# which Git Bash sets to its own folder) and ImageMagick.
mingw=${CROSS_PREFIX-x86_64-w64-mingw32-}
magick=${MAGICK:-convert}

mkdir -p dist
ldflags="-s -w -X main.version=$version"
console="dist/visitly-console-$version-windows-amd64.exe"
console_com="dist/visitly-console-$version-windows-amd64.com"
scimd="dist/visitly-scimd-$version-windows-amd64.exe"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

build_console() {
	# go build links a .syso only from the package's own folder, and a file
	# appearing and vanishing there breaks builds and tests running at the
	# same time (test.sh runs this in the background): build from a copy.
	mkdir "$work/src"
	tar -C . --exclude=./.git --exclude=./dist --exclude=./bin -cf - . | tar -C "$work/src" -xf -

	"$magick" assets/icon.png -define icon:auto-resize=256,64,48,32,24,16 "$work/app.ico"
	local major minor patch
	IFS=. read -r major minor patch <<<"$version"
	cat >"$work/app.rc" <<RC
1 ICON "app.ico"
1 VERSIONINFO
FILEVERSION $major,$minor,$patch,$build
PRODUCTVERSION $major,$minor,$patch,$build
FILEOS 0x40004
FILETYPE 0x1
BEGIN
	BLOCK "StringFileInfo"
	BEGIN
		BLOCK "040904B0"
		BEGIN
			VALUE "CompanyName", "Visitly"
			VALUE "FileDescription", "$name"
			VALUE "FileVersion", "$version.$build"
			VALUE "InternalName", "visitly-console"
			VALUE "OriginalFilename", "visitly-console.exe"
			VALUE "ProductName", "$name"
			VALUE "ProductVersion", "$version"
		END
	END
	BLOCK "VarFileInfo"
	BEGIN
		VALUE "Translation", 0x409, 1200
	END
END
RC
	"${mingw}windres" -O coff -I "$work" -i "$work/app.rc" \
		-o "$work/src/cmd/visitly-console/zz_resource_windows_amd64.syso"

	echo "build-windows: $console"
	(cd "$work/src" && CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC="${mingw}gcc" \
		go build -ldflags "$ldflags -H=windowsgui" -o "$root/$console" ./cmd/visitly-console)

	# Check what was built: a GUI-subsystem exe carrying its icon and version.
	local headers
	headers=$("${mingw}objdump" -p "$console")
	grep -q 'Subsystem.*Windows GUI' <<<"$headers" || { echo "build-windows: $console is not a GUI exe" >&2; return 1; }
	grep -q 'Resource Directory' <<<"$headers" || { echo "build-windows: $console has no resources" >&2; return 1; }
	echo "build-windows: $console imports $(awk '/DLL Name:/ { printf "%s ", $3 }' <<<"$headers")"

	# The same source as a console-subsystem program: reuses the compiled
	# packages, so it takes seconds.
	echo "build-windows: $console_com"
	(cd "$work/src" && CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC="${mingw}gcc" \
		go build -ldflags "$ldflags -X main.consoleBuild=true" -o "$root/$console_com" ./cmd/visitly-console)
	headers=$("${mingw}objdump" -p "$console_com")
	grep -q 'Subsystem.*Windows CUI' <<<"$headers" ||
		{ echo "build-windows: $console_com is not a console exe" >&2; return 1; }
}

if [ -d cmd/visitly-console ]; then
	build_console
else
	echo "build-windows: no cmd/visitly-console yet; console exe skipped"
fi

echo "build-windows: $scimd"
CGO_ENABLED=0 GOOS=windows GOARCH=amd64 go build -ldflags "$ldflags" -o "$scimd" ./cmd/visitly-scimd
