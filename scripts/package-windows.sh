#!/usr/bin/env bash
# Packs the Windows builds of scripts/build-windows.sh (`make windows`) into:
#   dist/Visitly-Console-<version>-x64.msi          per-user installer of the console
#                                                   (packaging/windows/visitly-console.wxs)
#   dist/visitly-scimd-<version>-windows-amd64.zip  the service with its set-up notes
# Needs wixl and msibuild (msitools), zip and ImageMagick (scripts/install-deps.sh).
#
# For the upgrade test (scripts/wine-test.sh): MSI_VERSION=0.1.1 MSI_OUT=FILE
# builds only an MSI of the same files that claims that version.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

version=$(awk -F' *= *' '$1 == "Version" { gsub(/"/, "", $2); print $2; exit }' FyneApp.toml)
console="dist/visitly-console-$version-windows-amd64"
scimd="dist/visitly-scimd-$version-windows-amd64.exe"
msi_version=${MSI_VERSION:-$version}
msi=${MSI_OUT:-$root/dist/Visitly-Console-$msi_version-x64.msi}
zip="dist/visitly-scimd-$version-windows-amd64.zip"
for f in "$console.exe" "$console.com" "$scimd"; do
	[ -f "$f" ] || { echo "package-windows: no $f; run make windows first" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The MSI: the files under the names they are installed as.
mkdir "$work/msi"
cp "$console.exe" "$work/msi/visitly-console.exe"
cp "$console.com" "$work/msi/visitly-console.com"
convert assets/icon.png -define icon:auto-resize=256,64,48,32,24,16 "$work/msi/app.ico"
echo "package-windows: $msi"
# wixl names files relative to the folder it runs in. Its GLib warnings about
# attributes it ignores are noise; real errors end it non-zero.
(cd "$work/msi" && wixl -a x64 -D Version="$msi_version" -o "$msi" "$root/packaging/windows/visitly-console.wxs")
# wixl (0.101) has no <Environment>: add the user PATH entry (so that
# `visitly-console` typed in a terminal finds visitly-console.com) as WiX
# would write it: "=-" sets it at install and removes it at uninstall, "[~];"
# appends to the user's PATH instead of replacing it.
msibuild "$msi" \
	-q 'CREATE TABLE `Environment` (`Environment` CHAR(72) NOT NULL, `Name` CHAR(255) NOT NULL LOCALIZABLE, `Value` CHAR(255) LOCALIZABLE, `Component_` CHAR(72) NOT NULL PRIMARY KEY `Environment`)' \
	-q "INSERT INTO \`Environment\` (\`Environment\`, \`Name\`, \`Value\`, \`Component_\`) VALUES ('UserPath', '=-PATH', '[~];[INSTALLDIR]', 'Program')" \
	-q "INSERT INTO \`InstallExecuteSequence\` (\`Action\`, \`Sequence\`) VALUES ('RemoveEnvironmentStrings', 3300)" \
	-q "INSERT INTO \`InstallExecuteSequence\` (\`Action\`, \`Sequence\`) VALUES ('WriteEnvironmentStrings', 5200)"
# Check what was built: the stable UpgradeCode, the version, per-user (no
# elevation: word count bit 8).
props=$(msiinfo export "$msi" Property)
grep -q '^UpgradeCode	{42B384EA-70A9-4AC5-B149-38D9AF892140}' <<<"$props" || { echo "package-windows: $msi lost its UpgradeCode" >&2; exit 1; }
grep -q "^ProductVersion	$msi_version" <<<"$props" || { echo "package-windows: $msi has the wrong version" >&2; exit 1; }
words=$(msiinfo suminfo "$msi" | awk -F': ' '/^Source:/ { print $2 + 0 }')
(( words & 8 )) || { echo "package-windows: $msi would ask for admin rights" >&2; exit 1; }

[ -z "${MSI_OUT:-}" ] || exit 0

# The service: a zip with the program and its set-up notes (CRLF for Notepad).
mkdir "$work/zip"
cp "$scimd" "$work/zip/visitly-scimd.exe"
sed 's/$/\r/' packaging/windows/visitly-scimd-README.txt >"$work/zip/README.txt"
echo "package-windows: $zip"
rm -f "$zip"
(cd "$work/zip" && zip -q -X "$root/$zip" visitly-scimd.exe README.txt)
