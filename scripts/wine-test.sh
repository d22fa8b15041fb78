#!/usr/bin/env bash
# Runs the Windows builds for real, under Wine (8.0, Debian 12), as one step of
# scripts/test.sh after `make windows` (it packs the MSI itself with
# scripts/package-windows.sh):
#
#   1. visitly-scimd.exe serves on a database in a folder whose name has
#      spaces and non-ASCII letters, longer than MAX_PATH (260 characters); visitly-load (Linux) drives
#      it with Azure AD's, Okta's and OneLogin's request shapes (initial cycle,
#      paging, mix) and must see no failed request.
#   2. The same service registered with Wine's service manager: service
#      install, start (it must answer and be RUNNING), stop (it must stop
#      answering), uninstall.
#   3. The MSI installed with `msiexec /i /qn`: files, Start-menu shortcut,
#      PATH entry, Apps & features entry.
#   4. The installed console started with --measure-startup (through the
#      .com) N times (WINE_RUNS, default 20): every run paints a first frame
#      and exits 0 without a Wine "Unhandled page fault"; then once without it,
#      screenshotted: the window must not be blank; then with Mesa told to
#      offer OpenGL 2.0: the message box, exit code 1, the log line.
#   5. The installed .com as a terminal user runs it: connect (the admin
#      credential stored in Wine's Credential Manager), sync, hosts as CSV
#      (checked), again with a data folder under C:\users\Zoë Müller, exit
#      codes of a bad command, Ctrl-C (SIGINT, which Wine turns into
#      CTRL_C_EVENT) stopping a connect that waits.
#   6. An MSI of a newer version installed over it: one Apps & features
#      entry with the new version, the mirror and credential still there.
#   7. `msiexec /x`: the program is gone, the data folder stays; then
#      `visitly-console uninstall --purge-data` removes it and the credential.
#
# Go >= 1.22 programs need ProcessPrng from bcryptprimitives.dll, which Wine 8
# lacks and every Windows 10/11 has: a TEST-ONLY shim
# (scripts/wine-test-only/) is built with mingw into the throwaway Wine prefix.
# It is never shipped.
#
#   scripts/wine-test.sh            (after make windows)
#   WINE_RUNS=5 scripts/wine-test.sh
#   WINE_KEEP=1 scripts/wine-test.sh   keep the prefix, logs and screenshot
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

version=$(awk -F' *= *' '$1 == "Version" { gsub(/"/, "", $2); print $2; exit }' FyneApp.toml)
runs=${WINE_RUNS:-20}
t0=$SECONDS
say() { echo "wine-test: [$((SECONDS - t0))s] $*"; }
fail() {
	echo "wine-test: FAILED: $*" >&2
	exit 1
}

for tool in wine wineboot wineserver winepath x86_64-w64-mingw32-gcc wixl msibuild Xvfb xdotool import curl; do
	command -v "$tool" >/dev/null || fail "$tool not found; run scripts/install-deps.sh"
done

scripts/package-windows.sh 2>&1 | grep -v -e 'GLib-GObject-WARNING' -e '^$' || true
msi="$root/dist/Visitly-Console-$version-x64.msi"
scimd="$root/dist/visitly-scimd-$version-windows-amd64.exe"
dist_com="$root/dist/visitly-console-$version-windows-amd64.com"
for f in "$msi" "$scimd" "$dist_com"; do
	[ -f "$f" ] || fail "no $f (make windows, then scripts/package-windows.sh)"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/wine-test.XXXXXX")
xvfb_pid=
serve_pid=
cleanup() {
	[ -z "$serve_pid" ] || kill "$serve_pid" 2>/dev/null || true
	# Every Wine process of this prefix, then its X server.
	WINEPREFIX="$work/prefix" wineserver -k 2>/dev/null || true
	[ -z "$xvfb_pid" ] || kill "$xvfb_pid" 2>/dev/null || true
	if [ "${WINE_KEEP:-}" = 1 ]; then
		echo "wine-test: kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

# One X server for every Wine process of the run (a wineserver first started
# without it would clamp windows to a 1024x768 monitor).
exec {dfd}<> <(:)
Xvfb -displayfd "$dfd" -screen 0 1366x768x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
read -r -t 10 -u "$dfd" dnum || fail "Xvfb did not start: $(cat "$work/xvfb.log")"
exec {dfd}<&-
export DISPLAY=":$dnum"
export WINEPREFIX="$work/prefix" WINEARCH=win64 WINEDEBUG=-all
# No Mono or Gecko prompts: the programs need neither.
export WINEDLLOVERRIDES="mscoree,mshtml="
export LANG=${LANG:-en_US.UTF-8}

say "new Wine prefix"
wineboot -i >"$work/wineboot.log" 2>&1 || fail "wineboot: $(tail -5 "$work/wineboot.log")"
# wineboot leaves a second services.exe behind, and the two answer service
# requests inconsistently ("does not exist" right after install): let this
# wineserver end so that the next program starts one afresh (~5 s).
wineserver -w
# A crash prints its "Unhandled page fault" to stderr instead of waiting in a dialog.
wine reg add 'HKCU\Software\Wine\WineDbg' /v ShowCrashDialog /t REG_DWORD /d 0 /f >/dev/null
sys32="$WINEPREFIX/drive_c/windows/system32"
x86_64-w64-mingw32-gcc -shared -O2 -o "$sys32/bcryptprimitives.dll" \
	scripts/wine-test-only/processprng.c scripts/wine-test-only/processprng.def -lbcrypt
wine "$scimd" version | grep -q "$version" || fail "visitly-scimd.exe does not start under Wine"

# A listener that accepts and never answers (for Ctrl-C), and a helper that
# prints a free loopback port: small Go programs, as the CI image may have no
# Python or netcat.
mkdir "$work/tools"
cat >"$work/tools/stall.go" <<'GO'
// Command stall: "stall port" prints a free loopback port; "stall serve PORT"
// accepts connections on it and never answers.
package main

import (
	"fmt"
	"net"
	"os"
)

func main() {
	addr := "127.0.0.1:0"
	if len(os.Args) > 2 {
		addr = "127.0.0.1:" + os.Args[2]
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if os.Args[1] == "port" {
		fmt.Println(l.Addr().(*net.TCPAddr).Port)
		return
	}
	var open []net.Conn // held, never answered
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		open = append(open, c)
	}
}
GO
go build -o "$work/tools/stall" "$work/tools/stall.go"
# freeport: a TCP port nobody listens on now.
freeport() { "$work/tools/stall" port; }
# wait_health URL: up to 30 s for /healthz to answer ok.
wait_health() {
	local i
	for i in $(seq 150); do
		[ "$(curl -fsS -m 2 "$1/healthz" 2>/dev/null)" = ok ] && return 0
		sleep 0.2
	done
	return 1
}
# winpath UNIX: the Windows name of a path in the prefix.
winpath() { winepath -w "$1" 2>/dev/null; }
# find_window NAME: the id of the first visible window titled NAME, waiting up to a
# minute. xdotool's own --sync dies with BadWindow when a window vanishes while it
# walks the tree, as the hidden window of the console's OpenGL check does at start,
# so each look is a fresh search and a failed one is simply repeated.
find_window() {
	local id
	for _ in $(seq 120); do
		id=$(xdotool search --onlyvisible --name "$1" 2>/dev/null | head -n1) || true
		[ -z "$id" ] || { echo "$id"; return 0; }
		sleep 0.5
	done
	return 1
}

# --- 1. visitly-scimd.exe serving, driven by visitly-load ---------------------
say "visitly-scimd.exe serve"
# Longer than MAX_PATH (260): written by hand, as winepath cuts at 260.
seg="Visitly Host Sync database folder with a rather long name"
dbrel="AppData/Roaming/$seg 1/$seg 2/$seg 3/$seg 4"
dbdir="$WINEPREFIX/drive_c/users/Zoë Müller/$dbrel"
mkdir -p "$dbdir"
db="C:\\users\\Zoë Müller\\${dbrel//\//\\}\\hostsync.db"
[ "${#db}" -gt 260 ] || fail "the database path is not longer than 260 characters: $db"
key=$(wine "$scimd" apikey create --db "$db" --label "Azure AD" | tr -d '\r')
admin=$(wine "$scimd" admin-token --db "$db" | tr -d '\r' | tail -n1)
[ -n "$key" ] && [ -n "$admin" ] || fail "apikey create / admin-token printed nothing"
[ -f "$dbdir/hostsync.db" ] || fail "the database is not at $dbdir/hostsync.db"
port=$(freeport)
base="http://127.0.0.1:$port"
wine "$scimd" serve --listen "127.0.0.1:$port" --db "$db" >"$work/scimd.log" 2>&1 &
serve_pid=$!
wait_health "$base" || fail "visitly-scimd.exe did not answer /healthz: $(tail -20 "$work/scimd.log")"
go build -o "$work/visitly-load" ./cmd/visitly-load
for scenario in all okta onelogin; do
	say "visitly-load -scenario $scenario"
	"$work/visitly-load" -url "$base/v1/usersync/SCIM" -key "$key" -scenario "$scenario" \
		-users 300 -clients 4 -duration 3s -prefix "wine-$scenario" >"$work/load-$scenario.log" 2>&1 ||
		{ cat "$work/load-$scenario.log"; fail "visitly-load -scenario $scenario against visitly-scimd.exe"; }
	grep -A1 -E 'initial cycle|paging all|steady mix' "$work/load-$scenario.log" | grep -v '^--' | sed 's/^/wine-test:   /'
done
[ "$(curl -fsS "$base/readyz")" = ready ] || fail "/readyz after the load"

# --- 2. the service manager -----------------------------------------------------
say "visitly-scimd.exe service install/start/stop/uninstall"
sport=$(freeport)
wine "$scimd" service install --db "$db-service" --listen "127.0.0.1:$sport" || fail "service install"
wine "$scimd" service start || fail "service start"
wait_health "http://127.0.0.1:$sport" || fail "the service did not answer after service start"
wine sc query VisitlyHostSync | tr -d '\r' | grep -q 'STATE *: 4 *RUNNING' || fail "the service is not RUNNING"
wine "$scimd" service stop || fail "service stop"
for _ in $(seq 50); do
	curl -fsS -m 1 "http://127.0.0.1:$sport/healthz" >/dev/null 2>&1 || break
	sleep 0.2
done
! curl -fsS -m 1 "http://127.0.0.1:$sport/healthz" >/dev/null 2>&1 || fail "the service still answers after service stop"
wine "$scimd" service uninstall || fail "service uninstall"
! wine sc query VisitlyHostSync 2>/dev/null | tr -d '\r' | grep -q 'STATE' || fail "service uninstall left the service"

# --- 3. the MSI -------------------------------------------------------------------
say "msiexec /i $(basename "$msi")"
wine msiexec /i "$(winpath "$msi")" /qn || fail "msiexec /i"
user_dir="$WINEPREFIX/drive_c/users/$(id -un)"
prog="$user_dir/AppData/Local/Programs/Visitly Console"
for f in visitly-console.exe visitly-console.com; do
	[ -f "$prog/$f" ] || fail "the MSI did not install $prog/$f"
done
[ -f "$user_dir/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Visitly Console.lnk" ] ||
	fail "no Start-menu shortcut"
wine reg query 'HKCU\Environment' /v PATH | grep -q 'Programs\\Visitly Console' || fail "the install folder is not on the user's PATH"
wine uninstaller --list | tr -d '\r' | grep -q '|||Visitly Console$' || fail "no Apps & features entry"
com=$(winpath "$prog/visitly-console.com")

# --- 4. the window: start and quit, and a screenshot --------------------------------
say "the installed console: $runs starts with --measure-startup"
faults=0 hangs=0
for i in $(seq "$runs"); do
	rc=0
	timeout 90 wine "$com" --measure-startup >"$work/measure-$i.log" 2>&1 || rc=$?
	if grep -q 'Unhandled' "$work/measure-$i.log"; then
		faults=$((faults + 1))
		echo "wine-test: run $i faulted:"
		grep -B2 -A10 'Unhandled' "$work/measure-$i.log" | head -30
	fi
	# One run in about 140 under Wine painted its frame and then did not exit (cause not
	# found: nothing is logged after the frame). One such run is reported and tolerated; the
	# hung process is killed so that it does not hold the data folder for the next runs.
	if [ "$rc" -eq 124 ] && [ "$hangs" -eq 0 ] && grep -q 'first frame painted' "$work/measure-$i.log"; then
		hangs=1
		echo "wine-test: run $i painted, then did not exit within 90 s (tolerated once): $(tail -3 "$work/measure-$i.log")"
		wineserver -k || true
		wineserver -w || true
		continue
	fi
	[ "$rc" -eq 0 ] || fail "run $i: exit code $rc: $(tail -20 "$work/measure-$i.log")"
	grep -q 'first frame painted' "$work/measure-$i.log" || fail "run $i painted no frame: $(tail -20 "$work/measure-$i.log")"
done
echo "wine-test:   time to first frame: $(cat "$work"/measure-*.log | awk '/first frame painted/ { for (i = 1; i <= NF; i++) if ($i ~ /^after=/) printf "%s ", substr($i, 7) }')"
[ "$faults" -eq 0 ] || fail "$faults of $runs runs faulted at exit"

say "the installed console: a window that is not blank, F5 from a focused control"
# Its embedded service on a free port: 8765, the default, may be taken on a shared machine.
data="$user_dir/AppData/Roaming/Visitly Host Sync"
mkdir -p "$data"
printf '{"listenAddr": "127.0.0.1:%s"}\n' "$(freeport)" >"$data/settings.json"
VISITLY_DEBUG=1 wine "$(winpath "$prog/visitly-console.exe")" >"$work/window.log" 2>&1 &
win_pid=$!
wid=$(find_window '^Visitly Console$') || fail "no window: $(tail "$work/window.log")"
sleep 3 # the first frames
import -window root "$work/window.png"
colors=$(convert "$work/window.png" -format '%k' info:)
say "screenshot: $colors colours"
[ "$colors" -gt 20 ] || fail "the window looks blank ($colors colours; $work/window.png)"
xdotool windowactivate --sync "$wid" 2>/dev/null || xdotool windowfocus --sync "$wid" || true
# F5 syncs with a control focused too (Tab focuses one; Fyne alone would hand F5 to it).
log="$work/window.log" # the console logs to stderr
xdotool key --window "$wid" Tab Tab F5
for _ in $(seq 25); do grep -q 'msg="sync now"' "$log" && break; sleep 0.2; done
grep -q 'msg="sync now"' "$log" || fail "F5 with a control focused did not sync: $(tail -5 "$log")"
! grep -q 'F5 syncs only' "$log" || fail "$(grep 'F5 syncs only' "$log")"
# Alt+F4 closes it as a user would (Wine turns it into WM_CLOSE).
xdotool key --window "$wid" alt+F4
for _ in $(seq 100); do
	kill -0 "$win_pid" 2>/dev/null || break
	sleep 0.2
done
if kill -0 "$win_pid" 2>/dev/null; then
	fail "the window did not close on Alt+F4"
fi
wait "$win_pid" || fail "the window exited with $?: $(tail "$work/window.log")"
! grep -q 'Unhandled' "$work/window.log" || fail "the window faulted at exit: $(grep -A10 Unhandled "$work/window.log")"

say "the installed console with only OpenGL 2.0: the message box"
# Mesa (under Wine's opengl32) then reports 2.0, below the 2.1 Fyne needs.
MESA_GL_VERSION_OVERRIDE=2.0 wine "$(winpath "$prog/visitly-console.exe")" >"$work/nogl.log" 2>&1 &
nogl_pid=$!
box=$(find_window '^Visitly Console cannot open its window$') ||
	fail "no message box for OpenGL 2.0: $(tail "$work/nogl.log")"
import -window root "$work/nogl.png"
xdotool windowactivate --sync "$box" 2>/dev/null || xdotool windowfocus --sync "$box" || true
xdotool key --window "$box" Return
rc=0
wait "$nogl_pid" || rc=$?
[ "$rc" -eq 1 ] || fail "with OpenGL 2.0 the console exits $rc, want 1"
grep -q 'OpenGL too old' "$work/nogl.log" || fail "with OpenGL 2.0 nothing on stderr: $(tail "$work/nogl.log")"
grep -q 'OpenGL 2.0 .*the window cannot open' "$data/visitly-console.log" || fail "with OpenGL 2.0 nothing in $data/visitly-console.log"

# --- 5. the command line ------------------------------------------------------------
say "the installed .com: connect, sync, hosts"
printf '%s\r\n' "$admin" | wine "$com" connect --server "$base" >"$work/connect.log" 2>&1 ||
	fail "connect: $(cat "$work/connect.log")"
grep -q 'admin credential stored' "$work/connect.log" || fail "connect: $(cat "$work/connect.log")"
# creds: the Credential Manager entries of the app (Wine keeps them in its registry).
creds() { wine reg query 'HKCU\Software\Wine\Credential Manager' /s 2>/dev/null | tr -d '\r' | grep 'Generic: io.visitly.hostsync:' || true; }
[ -n "$(creds)" ] || fail "connect stored no Credential Manager entry"
wine "$com" sync >"$work/sync.log" 2>&1 || fail "sync: $(cat "$work/sync.log")"
wine "$com" hosts --state all --format csv >"$work/hosts.csv" 2>"$work/hosts.err" || fail "hosts: $(cat "$work/hosts.err")"
# Every user the load created (3 x 300), a header line; CRLF-safe: no stray CR inside a field.
n=$(tr -d '\r' <"$work/hosts.csv" | grep -c 'wine-')
[ "$n" -eq 900 ] || fail "hosts --format csv listed $n of the 900 hosts: $(head -3 "$work/hosts.csv")"
say "hosts: $n rows"
# The same with the data folder of a user named with spaces and accents.
zoe=$(winpath "$WINEPREFIX/drive_c/users/Zoë Müller/AppData/Roaming/Visitly Host Sync")
printf '%s\r\n' "$admin" | VISITLY_DATA_DIR="$zoe" wine "$com" connect --server "$base" >"$work/zoe.log" 2>&1 &&
	VISITLY_DATA_DIR="$zoe" wine "$com" sync >>"$work/zoe.log" 2>&1 &&
	VISITLY_DATA_DIR="$zoe" wine "$com" hosts --state all --format csv >"$work/zoe.csv" 2>>"$work/zoe.log" ||
	fail "connect/sync/hosts with the data folder $zoe: $(cat "$work/zoe.log")"
cmp -s "$work/hosts.csv" "$work/zoe.csv" || fail "hosts under $zoe differ from the default data folder's"
[ -f "$WINEPREFIX/drive_c/users/Zoë Müller/AppData/Roaming/Visitly Host Sync/settings.json" ] || fail "no settings.json under $zoe"
rc=0
wine "$com" no-such-command >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "an unknown command exits $rc, want 2"
# Ctrl-C: Wine turns SIGINT into the console's CTRL_C_EVENT. connect to a
# server that accepts and never answers must stop at once, as on Linux:
# exit 1, nothing stored.
sport=$(freeport)
"$work/tools/stall" serve "$sport" &
stall_pid=$!
sleep 0.5
printf 'x\r\n' | VISITLY_DATA_DIR="$zoe" wine "$com" connect --server "http://127.0.0.1:$sport" >"$work/ctrlc.log" 2>&1 &
ctrlc_pid=$!
sleep 3
kill -INT "$ctrlc_pid"
rc=0
timeout 10 tail --pid="$ctrlc_pid" -f /dev/null || rc=$?
kill "$stall_pid" 2>/dev/null || true
[ "$rc" -eq 0 ] || fail "Ctrl-C did not stop connect: $(cat "$work/ctrlc.log")"
rc=0
wait "$ctrlc_pid" || rc=$?
[ "$rc" -eq 1 ] && grep -q 'context canceled; nothing was stored' "$work/ctrlc.log" ||
	fail "Ctrl-C: exit $rc, want 1 with 'nothing was stored': $(cat "$work/ctrlc.log")"

# --- 6. upgrade in place ------------------------------------------------------------
IFS=. read -r major minor patch <<<"$version"
newer="$major.$minor.$((patch + 1))"
say "upgrade: the same files as $newer over $version"
MSI_VERSION=$newer MSI_OUT="$work/upgrade.msi" scripts/package-windows.sh 2>&1 | grep -v -e 'GLib-GObject-WARNING' -e '^$' || true
wine msiexec /i "$(winpath "$work/upgrade.msi")" /qn || fail "msiexec /i of the newer MSI"
n=$(wine uninstaller --list | tr -d '\r' | grep -c '|||Visitly Console$' || true)
[ "$n" -eq 1 ] || fail "after the upgrade $n Apps & features entries, want 1"
wine reg query 'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall' /s | tr -d '\r' |
	grep -q "DisplayVersion *REG_SZ *$newer\$" || fail "Apps & features does not show $newer after the upgrade"
[ -f "$prog/visitly-console.com" ] || fail "the upgrade left no $prog/visitly-console.com"
wine "$com" hosts --state all --format csv >"$work/hosts-upgraded.csv" 2>"$work/hosts.err" || fail "hosts after the upgrade: $(cat "$work/hosts.err")"
cmp -s "$work/hosts.csv" "$work/hosts-upgraded.csv" || fail "the upgrade changed what hosts lists (data lost?)"
msi="$work/upgrade.msi" # the product installed now

# --- 7. uninstall -------------------------------------------------------------------
say "msiexec /x"
wine msiexec /x "$(winpath "$msi")" /qn || fail "msiexec /x"
[ ! -e "$prog/visitly-console.exe" ] || fail "msiexec /x left $prog/visitly-console.exe"
[ ! -e "$user_dir/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Visitly Console.lnk" ] || fail "msiexec /x left the shortcut"
! wine uninstaller --list | grep -q 'Visitly Console' || fail "msiexec /x left the Apps & features entry"
[ -f "$data/settings.json" ] || [ -n "$(ls -A "$data" 2>/dev/null)" ] || fail "msiexec /x removed the data folder $data"
wine "$dist_com" uninstall --purge-data >"$work/purge.log" 2>&1 || fail "uninstall --purge-data: $(cat "$work/purge.log")"
[ ! -e "$data" ] || fail "uninstall --purge-data left $data"
[ -z "$(creds)" ] || fail "uninstall --purge-data left Credential Manager entries: $(creds)"
say "all Windows checks passed"
