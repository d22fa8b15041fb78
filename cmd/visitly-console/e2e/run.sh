#!/usr/bin/env bash
# End-to-end run of the real console under Xvfb with a real Secret Service:
# start → Generate new key (menu shortcut + Enter) → Test connection → Copy key → F5 with a
# button/radio focused → window size → second start → quit (SIGTERM).
# Fails if Fyne logs a widget change off the UI goroutine, if the activity log lacks the actions,
# if the window does not fit a 1366×768 screen after the SCIM calls or cannot be made 1000×650,
# if a second start opens a second window, or if the embedded service was not shut down gracefully.
#
#   xvfb-run -a -s "-screen 0 1366x768x24" dbus-run-session -- cmd/visitly-console/e2e/run.sh BINARY
set -euo pipefail
bin=$(realpath "$1")
out=${2:-$(mktemp -d)}
mkdir -p "$out"
export XDG_DATA_HOME="$(mktemp -d)" XDG_CONFIG_HOME="$(mktemp -d)" LANG=en_US.UTF-8  # C.UTF-8 makes Fyne log a locale error
eval "$(printf %s e2e-keyring | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
for _ in $(seq 50); do
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true" && break
  sleep 0.1
done
# A private data folder, its embedded service on a free port: 8765, the default, is taken when a
# console is already open on this machine.
freeport() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; } # nobody answers there
  done
}
data=$(mktemp -d)
printf '{"listenAddr": "127.0.0.1:%s"}\n' "$(freeport)" >"$data/settings.json"
log=$out/console.log
VISITLY_DEBUG=1 "$bin" --data-dir "$data" >"$log" 2>&1 &
pid=$!
win=$(xdotool search --sync --onlyvisible --name 'Visitly Console' | head -1)
for _ in $(seq 100); do grep -q "first frame painted" "$log" && break; sleep 0.1; done
sleep 1.5                                  # the background connect finishes
xdotool mousemove 700 600
xdotool key ctrl+shift+g; sleep 1          # Azure AD › Generate new key…
import -window root "$out/1-confirm.png"
xdotool key Return; sleep 2               # Enter confirms the dialog: "Generate key"
xdotool mousemove 700 600
xdotool key ctrl+t; sleep 2                # Azure AD › Test connection
xdotool key ctrl+shift+k; sleep 1          # Azure AD › Copy API key
import -window root "$out/2-after.png"

fail=0
# F5 syncs whatever holds the focus: Hosts opens with the keyboard in its search; Tab moves it to
# the filter's three radio buttons, then Export…: none of them takes F5 in Fyne itself.
syncs() { grep -c "sync now" "$log" || true; }
xdotool key ctrl+1; sleep 1
for tabs in 1 2 3 4; do
  xdotool key Tab; sleep 0.5
  before=$(syncs); xdotool key F5; sleep 1
  [ "$(syncs)" -gt "$before" ] || { echo "FAIL: F5 did not sync after $tabs Tab(s) from the search"; fail=1; }
  import -window root "$out/f5-tab$tabs.png"
done
# The window fits the screen after the SCIM calls filled the header, and shrinks to 1000×650.
# (xdotool only: x11-utils is not among the CI packages.)
size() { xdotool getwindowgeometry "$win" | awk '/Geometry:/{print $2}'; }
read -r sw sh < <(xdotool getdisplaygeometry)
ws=$(size); echo "window after the SCIM calls: $ws on a ${sw}x${sh} screen"
[ "${ws%x*}" -le "$sw" ] && [ "${ws#*x}" -le "$sh" ] || { echo "FAIL: window $ws larger than the screen"; fail=1; }
xdotool windowsize "$win" 1000 650; sleep 1
ws=$(size); echo "window after shrinking to 1000x650: $ws"
[ "$ws" = "1000x650" ] || { echo "FAIL: the window cannot be made 1000x650 (it is $ws)"; fail=1; }
import -window root "$out/3-small.png"
# A second start on the same data folder brings the first to the front and exits.
if second=$(timeout 20 "$bin" --data-dir "$data" 2>&1); then
  grep -q "already open" <<<"$second" || { echo "FAIL: second start said: $second"; fail=1; }
else
  echo "FAIL: second start did not exit cleanly: $second"; fail=1
fi
[ "$(xdotool search --onlyvisible --name 'Visitly Console' | wc -l)" = 1 ] || { echo "FAIL: a second window opened"; fail=1; }
kill -TERM "$pid"
wait "$pid"
code=$?

if grep -q "Error in Fyne call thread" "$log"; then echo "FAIL: widget changed off the UI goroutine"; fail=1; fi
grep -q "embedded service stopped" "$log" || { echo "FAIL: embedded service not shut down gracefully"; fail=1; }
[ "$code" = 0 ] || { echo "FAIL: exit code $code"; fail=1; }
"$bin" --data-dir "$data" sync >/dev/null
acts=$("$bin" --data-dir "$data" activity --format csv)
for a in apikey.created connection.tested apikey.copied; do
  grep -q "$a" <<<"$acts" || { echo "FAIL: activity lacks $a"; fail=1; }
done
grep -q "vhs_" "$log" && { echo "FAIL: a key reached the log"; fail=1; }
grep "first frame painted" "$log"
echo "e2e: $([ $fail = 0 ] && echo PASS || echo FAIL) (screenshots and log in $out)"
exit $fail
