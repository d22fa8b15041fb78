#!/usr/bin/env bash
# End-to-end run of the real console under Xvfb with a real Secret Service:
# start → Generate new key (menu shortcut + confirm) → Test connection → Copy key → quit (SIGTERM).
# Fails if Fyne logs a widget change off the UI goroutine, if the activity log lacks the actions,
# or if the embedded service was not shut down gracefully.
#
#   xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- cmd/visitly-console/e2e/run.sh BINARY
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
data=$(mktemp -d)
log=$out/console.log
"$bin" --data-dir "$data" >"$log" 2>&1 &
pid=$!
xdotool search --sync --onlyvisible --name 'Visitly Console' >/dev/null
for _ in $(seq 100); do grep -q "first frame painted" "$log" && break; sleep 0.1; done
sleep 1.5                                  # the background connect finishes
xdotool mousemove 700 600
xdotool key ctrl+shift+g; sleep 1          # Azure AD › Generate new key…
import -window root "$out/1-confirm.png"
xdotool mousemove 658 465 click 1; sleep 2 # the dialog's "Generate key" button
xdotool mousemove 700 600
xdotool key ctrl+t; sleep 2                # Azure AD › Test connection
xdotool key ctrl+shift+k; sleep 1          # Azure AD › Copy API key
import -window root "$out/2-after.png"
kill -TERM "$pid"
wait "$pid"
code=$?

fail=0
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
