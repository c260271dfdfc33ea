#!/bin/sh
# Bad settings are refused before anything starts: exit status 2, one line on stderr that
# names the setting, nothing on stdout (no link), and no desktop or sound server started.
# TAP output. $1: the wayrtc binary.
set -u
wayrtc=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wayrtc-cli-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export XDG_STATE_HOME="$tmp/state" XDG_CONFIG_HOME="$tmp/config" WAYRTC_LOG=info
unset WAYLAND_DISPLAY
n=0
fail=0

# case: words expected on stderr, then the arguments
check() {
	words=$1
	shift
	n=$((n + 1))
	timeout 20 "$wayrtc" "$@" >"$tmp/out" 2>"$tmp/err"
	status=$?
	lines=$(wc -l <"$tmp/err")
	if [ "$status" = 2 ] && [ "$lines" = 1 ] && [ ! -s "$tmp/out" ] &&
		grep -q -- "$words" "$tmp/err"; then
		echo "ok $n - $* refused: $(cat "$tmp/err")"
	else
		echo "not ok $n - $*: status $status, $lines lines on stderr, expected 2, 1 with “$words”"
		sed 's/^/# /' "$tmp/err" "$tmp/out"
		fail=1
	fi
}

check 'keyboard layout “xx”' --source=virtual --keyboard-layout=xx
check 'listen: cannot resolve' --source=virtual --listen=nonsense.invalid:9000
check 'listen: “host:70000”' --listen=host:70000
check 'ttl: “100000h” is not valid; expected from 1 second to 365 days' --ttl=100000h
check 'ttl: “3w” is not valid; expected a duration' token --ttl=3w
check 'bitrate' --bitrate=abc
check 'size: “big” is not valid; expected auto, or WIDTHxHEIGHT' --size=big
check 'COMMAND runs only inside a virtual desktop' --source=wlr -- foot
# A command the virtual desktop cannot run is named, with the reason, before wayrtc gives
# up (the desktop's own messages reach wayrtc's stderr).
n=$((n + 1))
timeout 60 "$wayrtc" --source=virtual --no-audio --listen=127.0.0.1:0 \
	-- wayrtc-no-such-command >"$tmp/out" 2>"$tmp/err"
status=$?
if [ "$status" = 1 ] && [ ! -s "$tmp/out" ] &&
	grep -q "cannot run 'wayrtc-no-such-command': No such file or directory" "$tmp/err"; then
	echo "ok $n - a command that cannot start is named"
else
	echo "not ok $n - a command that cannot start: status $status"
	sed 's/^/# /' "$tmp/err"
	fail=1
fi
echo "1..$n"
exit $fail
