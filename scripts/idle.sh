#!/usr/bin/env bash
# Usage: scripts/idle.sh [CONSOLE_BINARY ...]   (default: a build of ./cmd/visitly-console)
#
# What the console costs while nobody touches it: the real app on a 1366x768 Xvfb screen with
# Mesa's software OpenGL (llvmpipe), a private data folder and its embedded service on a free
# port, so it runs beside a console already open on this machine. For each page and focus (the
# first-run page, Hosts with the search focused, a filter radio focused, Deleted hosts, Activity,
# Settings) it waits IDLE_WAIT seconds without input, then reads the process's own CPU time
# (utime+stime in /proc/PID/stat) over SAMPLE seconds: the share of one core it used. Then it seeds
# 1,000 hosts through the SCIM API and reads the resident memory (VmRSS) on Hosts. Several binaries
# (an old and a new build) are measured one after the other in one session and printed side by side.
# Needs what scripts/install-deps.sh installs (Xvfb, xdotool, ImageMagick, gnome-keyring, curl).
#
#   SAMPLE=60 IDLE_WAIT=12 HOSTS=40 MANY=1000 SHOTS=DIR scripts/idle.sh old-console new-console
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SAMPLE=${SAMPLE:-60} IDLE_WAIT=${IDLE_WAIT:-12} HOSTS=${HOSTS:-40} MANY=${MANY:-1000}
export SAMPLE IDLE_WAIT HOSTS MANY

if [ "${HOSTSYNC_IDLE_STAGE:-}" != inner ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	go build -o "$tmp/visitly-scimd" ./cmd/visitly-scimd
	bins=("$@")
	if [ ${#bins[@]} = 0 ]; then
		go build -o "$tmp/visitly-console" ./cmd/visitly-console
		bins=("$tmp/visitly-console")
	fi
	results=()
	for b in "${bins[@]}"; do
		res="$tmp/result-${#results[@]}"
		HOSTSYNC_IDLE_STAGE=inner CONSOLE=$(realpath "$b") SCIMD=$tmp/visitly-scimd RESULT=$res \
			xvfb-run -a -s "-screen 0 1366x768x24" dbus-run-session -- bash "${BASH_SOURCE[0]}"
		results+=("$res")
	done
	# One row per measurement, one column per binary.
	printf '%-34s' "idle ${SAMPLE}s after ${IDLE_WAIT}s, $HOSTS hosts"
	for b in "${bins[@]}"; do printf ' | %-22s' "$(basename "$b")"; done
	echo
	cut -f1 "${results[0]}" | while IFS= read -r what; do
		printf '%-34s' "$what"
		for r in "${results[@]}"; do printf ' | %-22s' "$(awk -F'\t' -v w="$what" '$1 == w {print $2}' "$r")"; done
		echo
	done
	exit 0
fi

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
export XDG_DATA_HOME=$work/xdg-data XDG_CONFIG_HOME=$work/xdg-config LANG=en_US.UTF-8 LIBGL_ALWAYS_SOFTWARE=1
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME"
eval "$(printf %s idle | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
for _ in $(seq 50); do
	dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true" && break
	sleep 0.1
done

# freeport: a TCP port nobody listens on now.
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
"$CONSOLE" --data-dir "$data" >"$work/console.log" 2>&1 &
pid=$!
xdotool search --sync --onlyvisible --name 'Visitly Console' >/dev/null
for _ in $(seq 100); do grep -q "first frame painted" "$work/console.log" && break; sleep 0.1; done
xdotool mousemove 1360 760 # the pointer rests where it hovers over nothing

: >"$RESULT"
tck=$(getconf CLK_TCK)
cputicks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
# measure WHAT: wait without input, then the CPU share over SAMPLE seconds.
measure() {
	sleep "$IDLE_WAIT"
	local t0 c0 t1 c1
	t0=$(date +%s.%N) c0=$(cputicks)
	sleep "$SAMPLE"
	t1=$(date +%s.%N) c1=$(cputicks)
	local pct
	pct=$(awk -v c="$((c1 - c0))" -v hz="$tck" -v t0="$t0" -v t1="$t1" 'BEGIN {printf "%.2f %%", 100 * c / hz / (t1 - t0)}')
	printf '%s\t%s\n' "$1" "$pct" >>"$RESULT"
	[ -z "${SHOTS:-}" ] || { mkdir -p "$SHOTS"; import -window root "$SHOTS/$(basename "$CONSOLE")-$(tr -c "a-z0-9\n" - <<<"$1").png"; }
	echo "idle: $(basename "$CONSOLE"): $1: $pct" >&2
}
rss() { awk '/^VmRSS/ {printf "%.0f MB", $2 / 1024}' "/proc/$pid/status"; }

sleep 3 # the background connect
measure "first-run"

# An API key, as an admin makes one with visitly-scimd (the console holds the database open: a
# busy moment is tried again).
for _ in 1 2 3 4 5; do
	key=$("$SCIMD" apikey create --db "$data/hostsync.db" --label idle --idp azuread) && break
	sleep 1
done
[ -n "${key:-}" ] || { echo "idle: no API key" >&2; exit 1; }
# seed FROM TO: hosts FROM..TO through the SCIM API, one curl on one connection.
seed() {
	local i cfg=$work/seed.curl
	: >"$cfg"
	for i in $(seq "$1" "$2"); do
		[ "$i" = "$1" ] || echo next >>"$cfg"
		cat >>"$cfg" <<-EOF
			url = "http://127.0.0.1:$port/v1/usersync/SCIM/Users"
			header = "Authorization: Bearer $key"
			header = "Content-Type: application/scim+json"
			output = /dev/null
			silent
			show-error
			fail
			retry = 3
			data = "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":\"host$i@contoso.com\",\"active\":true,\"displayName\":\"Host Number $i\",\"title\":\"Coordinator\",\"emails\":[{\"primary\":true,\"type\":\"work\",\"value\":\"host$i@contoso.com\"}]}"
		EOF
	done
	curl -K "$cfg" || { echo "idle: seeding hosts $1-$2 failed" >&2; exit 1; }
}
seed 1 "$HOSTS"
xdotool key ctrl+1 # Hosts: the keyboard is in its search
sleep 1
xdotool key F5
measure "hosts, search focused"
xdotool key Tab # the filter's first radio
measure "hosts, filter radio focused"
xdotool key ctrl+2
measure "deleted hosts"
xdotool key ctrl+3
measure "activity"
xdotool key ctrl+comma
measure "settings"
seed "$((HOSTS + 1))" "$MANY"
xdotool key ctrl+1
sleep 1
xdotool key F5
sleep "$IDLE_WAIT"
printf '%s\t%s\n' "RSS, hosts, $MANY hosts" "$(rss)" >>"$RESULT"
measure "hosts, search focused, $MANY"
printf '%s\t%s\n' "RSS at the end" "$(rss)" >>"$RESULT"
awk '/^VmHWM/ {printf "peak RSS\t%.0f MB\n", $2 / 1024}' "/proc/$pid/status" >>"$RESULT"
if grep -i 'fyne call thread\|panic' "$work/console.log"; then
	echo "idle: the console logged the above" >&2
	exit 1
fi
kill -TERM "$pid"
wait "$pid" || true
