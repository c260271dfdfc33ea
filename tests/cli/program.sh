#!/bin/sh
# The virtual desktop's program: when it ends the share ends with it, in words and with
# status 0; with --restart it starts again; ending the share ends the program's whole
# process group. TAP output. $1: the wayrtc binary.
set -u
wayrtc=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wayrtc-program-XXXXXX")
export XDG_STATE_HOME="$tmp/state" XDG_CONFIG_HOME="$tmp/config" WAYRTC_LOG=info
unset WAYLAND_DISPLAY
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
ok() { echo "ok $1 - $2"; }
notok() {
	echo "not ok $1 - $2"
	sed 's/^/# /' "$tmp/err"
	fail=1
}
share() { # arguments for wayrtc after the common ones; runs it in the background
	"$wayrtc" --source=virtual --no-audio --listen=127.0.0.1:0 "$@" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
}
# waits up to $1 s for "$2" (a shell test) to hold
wait_for() {
	i=0
	while [ "$i" -lt "$(($1 * 10))" ]; do
		eval "$2" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# 1: the program ends → the share ends, status 0, and says which program
share -- sh -c 'sleep 2'
if wait_for 60 '! kill -0 $pid 2>/dev/null'; then
	wait "$pid"
	status=$?
	pid=
	if [ "$status" = 0 ] && grep -q '^URL https://' "$tmp/out" &&
		grep -q 'the program “sh” on the virtual desktop has ended' "$tmp/err"; then
		ok 1 "the program ended, so did the share (status 0, in words)"
	else
		notok 1 "the share ended with status $status, or without the words"
	fi
else
	notok 1 "the share still runs 60 s after its program ended"
fi

# 2: --restart starts it again, and the share goes on
share --restart -- sh -c "echo run >> $tmp/runs; sleep 3"
if wait_for 60 '[ "$(wc -l < $tmp/runs 2>/dev/null)" -ge 2 ]' && kill -0 "$pid" 2>/dev/null &&
	grep -q "starting it again" "$tmp/err"; then
	ok 2 "with --restart the program starts again and the share goes on"
else
	notok 2 "with --restart: $(cat "$tmp/runs" 2>/dev/null | wc -l) runs"
fi

# 3: stopping the share ends what the program started too (its process group)
kill -TERM "$pid"
wait "$pid"
share -- sh -c "sleep 300 & echo \$! > $tmp/child; wait"
if wait_for 60 "[ -s $tmp/child ]"; then
	child=$(cat "$tmp/child")
	kill -TERM "$pid"
	wait "$pid"
	pid=
	if wait_for 10 "! kill -0 $child 2>/dev/null"; then
		ok 3 "stopping the share ends the program's children"
	else
		notok 3 "the program's child $child outlived the share"
		kill "$child" 2>/dev/null
	fi
else
	notok 3 "the program did not start"
fi
echo "1..3"
exit $fail
