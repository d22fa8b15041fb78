#!/usr/bin/env bash
# Usage: scripts/with-session.sh CMD [ARG...]
#
# Runs CMD inside a throwaway desktop session, as on a headless CI machine:
# an X server (Xvfb, 1280x800x24), a private D-Bus session bus, and an
# unlocked gnome-keyring answering as the Secret Service, so that Fyne windows
# and go-keyring work for real. XDG_DATA_HOME (the keyring's files) and
# XDG_CONFIG_HOME (Fyne's preferences) point into a temp folder removed at the
# end. Exits with CMD's exit code.
set -euo pipefail

if [ "${HOSTSYNC_SESSION_STAGE:-}" != inner ]; then
	for tool in xvfb-run dbus-run-session gnome-keyring-daemon dbus-send; do
		command -v "$tool" >/dev/null || {
			echo "with-session: $tool not found; run scripts/install-deps.sh" >&2
			exit 127
		}
	done
	# Keep Go's settings file where it was before XDG_CONFIG_HOME moves.
	if command -v go >/dev/null; then
		GOENV=${GOENV:-$(go env GOENV)}
		export GOENV
	fi
	export HOSTSYNC_SESSION_STAGE=inner
	# xvfb-run and dbus-run-session both exit with their child's status.
	exec xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash "${BASH_SOURCE[0]}" "$@"
fi
unset HOSTSYNC_SESSION_STAGE

session_tmp=$(mktemp -d "${TMPDIR:-/tmp}/hostsync-session.XXXXXX")
keyring_pid=
cleanup() {
	[ -z "$keyring_pid" ] || kill "$keyring_pid" 2>/dev/null || true
	rm -rf "$session_tmp"
}
trap cleanup EXIT

export XDG_DATA_HOME="$session_tmp/data" XDG_CONFIG_HOME="$session_tmp/config" XDG_RUNTIME_DIR="$session_tmp/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME"
mkdir -m 0700 "$XDG_RUNTIME_DIR"

# A non-empty unlock password: with an empty one gnome-keyring creates no
# "login" collection and go-keyring fails to unlock the default alias.
eval "$(printf %s ci-keyring | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL

secrets_up=false
for _ in $(seq 50); do
	if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then
		secrets_up=true
		break
	fi
	sleep 0.1
done
if $secrets_up; then
	# The daemon outlives the bus otherwise; ask our private bus for its pid.
	keyring_pid=$(dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets 2>/dev/null |
		awk '$1 == "uint32" { print $2 }')
else
	echo "with-session: warning: org.freedesktop.secrets did not appear within 5 s" >&2
fi

# Fyne parses LANG; C.UTF-8 makes it log "Error parsing user locale C".
if locale -a 2>/dev/null | grep -qix 'en_US.utf-\?8'; then
	export LANG=en_US.UTF-8
else
	export LANG=C.UTF-8
fi
unset LC_ALL

rc=0
"$@" || rc=$?
exit "$rc"
