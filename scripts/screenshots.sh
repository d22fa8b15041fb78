#!/usr/bin/env bash
# Usage: scripts/screenshots.sh [OUT]   (default docs/screenshots/1366)
#
# The README's screenshots, taken as an office manager sees the console: the
# real app (not the test driver) on a 1366x768 X screen, light and dark, on
# its embedded service. It starts on a fresh data folder (the first-run
# welcome), generates the Azure AD key through the window (the welcome's
# button, then Enter), then plays Azure AD and Okta with curl (five hosts, a
# DELETE, an active=False PATCH, an Okta host, an Okta POST of an Azure AD
# userName that gets 409, a call with a wrong key) and walks the screens with
# the keyboard. Needs what scripts/install-deps.sh installs (Xvfb, xdotool,
# ImageMagick, gnome-keyring, secret-tool).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=$(realpath -m "${1:-docs/screenshots/1366}")

if [ "${HOSTSYNC_SHOTS_STAGE:-}" != inner ]; then
	bin=$(mktemp -d)
	trap 'rm -rf "$bin"' EXIT
	go build -o "$bin/visitly-console" ./cmd/visitly-console
	go build -o "$bin/visitly-scimd" ./cmd/visitly-scimd
	mkdir -p "$out"
	for theme in light dark; do
		HOSTSYNC_SHOTS_STAGE=inner BIN=$bin THEME=$theme OUT=$out \
			xvfb-run -a -s "-screen 0 1366x768x24" dbus-run-session -- bash "${BASH_SOURCE[0]}"
	done
	echo "screenshots: $out"
	exit 0
fi

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
export XDG_DATA_HOME=$work/xdg-data XDG_CONFIG_HOME=$work/xdg-config FYNE_THEME=$THEME LANG=en_US.UTF-8
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME"
eval "$(printf %s shots | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
sleep 0.5
suffix=""
[ "$THEME" = dark ] && suffix=-dark

# shot NAME: the console's window, cropped from the screen.
shot() {
	local geo
	geo=$(xwininfo -name 'Visitly Console' | awk '/Width:/{w=$2} /Height:/{h=$2} /Absolute upper-left X:/{x=$4} /Absolute upper-left Y:/{y=$4} END{print w"x"h"+"x"+"y}')
	import -window root -crop "$geo" +repage "$OUT/$1$suffix.png"
}

# A private data folder, its embedded service on a free port: 8765, the default, is taken when a
# console is already open on this machine.
freeport() {
	local p
	while :; do
		p=$((20000 + RANDOM % 40000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; } # nobody answers there
	done
}
port=$(freeport)
data=$work/data
mkdir -p "$data"
printf '{"listenAddr": "127.0.0.1:%s"}\n' "$port" >"$data/settings.json"
"$BIN/visitly-console" --data-dir "$data" >"$work/console.log" 2>&1 &
xdotool search --sync --onlyvisible --name 'Visitly Console' >/dev/null
sleep 3
xdotool mousemove 1300 740
shot first-run
# The welcome's own Generate key button (right of its first step), then Enter confirms.
xdotool mousemove 1193 307 click 1
sleep 1.5
xdotool key Return
sleep 3
key=$(secret-tool search --all service io.visitly.hostsync 2>/dev/null | sed -n 's/^secret = \(vhs_.*\)/\1/p' | head -1)
[ -n "$key" ] || { echo "screenshots: no key in the keyring after Generate" >&2; exit 1; }
okta=$("$BIN/visitly-scimd" apikey create --db "$data/hostsync.db" --label Okta --idp okta)

u=http://127.0.0.1:$port/v1/usersync/SCIM
call() { # KEY METHOD PATH [BODY]
	curl -s -o /dev/null -H "Authorization: Bearer $1" -H 'Content-Type: application/scim+json' -X "$2" "$u$3" ${4:+-d "$4"}
}
idOf() { curl -s -H "Authorization: Bearer $key" "$u/Users?filter=userName%20eq%20%22$1%22" | sed 's/.*"id":"\([^"]*\)".*/\1/'; }
dom=contoso-international-holdings.com
for n in "Ann Lee:ann.lee" "Noah Müller:noah.mueller" "Zoë Fernández-Castellanos de la Vega:zoe.fernandez-castellanos" "Bo Chen:bo.chen" "Priya Raman:priya.raman"; do
	name=${n%%:*} un=${n##*:}
	call "$key" POST /Users "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\",\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\"],\"userName\":\"$un@$dom\",\"active\":true,\"displayName\":\"$name\",\"title\":\"Senior Facilities and Workplace Experience Coordinator\",\"emails\":[{\"primary\":true,\"type\":\"work\",\"value\":\"$un@$dom\"}],\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\":{\"department\":\"Workplace Operations\"}}"
done
call "$okta" POST /Users "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":\"lena.okafor@$dom\",\"active\":true,\"displayName\":\"Lena Okafor\",\"emails\":[{\"primary\":true,\"type\":\"work\",\"value\":\"lena.okafor@$dom\"}]}"
call "$okta" POST /Users "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":\"ann.lee@$dom\",\"active\":true,\"displayName\":\"Ann Lee\"}"
call "$key" DELETE "/Users/$(idOf "bo.chen@$dom")"
call "$key" PATCH "/Users/$(idOf "priya.raman@$dom")" '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}'
call vhs_wrong GET /Users
sleep 6 # the header polls every 5 s
shot azuread
xdotool key F5
sleep 2
xdotool key ctrl+1
sleep 2
xdotool key Down
sleep 0.5
xdotool key Return
sleep 1
shot hosts
xdotool key ctrl+2
sleep 2
shot deleted-hosts
xdotool key ctrl+3
sleep 2
shot activity
xdotool key ctrl+5
sleep 2
shot okta
xdotool key ctrl+comma
sleep 2
shot settings
if grep -i 'fyne call thread\|panic' "$work/console.log"; then
	echo "screenshots: the console logged the above" >&2
	exit 1
fi
