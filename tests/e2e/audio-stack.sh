#!/bin/bash
# audio-stack.sh: a private sound server for tests, with a tone playing, then COMMAND.
#
#   tests/e2e/audio-stack.sh COMMAND [ARGS...]
#
# Starts, all private to one temporary directory and stopped again by pid afterwards:
# a dbus-daemon session bus, pipewire, then wireplumber on it (without WirePlumber a
# stream is never linked); a null sink "wayrtc-test-sink" (there is no sound hardware),
# made the default; and a 440 Hz sine played into it by gst-launch-1.0 (audiotestsrc !
# pipewiresink). COMMAND then runs with XDG_RUNTIME_DIR and PIPEWIRE_RUNTIME_DIR pointing
# at that PipeWire, DBUS_SESSION_BUS_ADDRESS at that bus, and WAYRTC_AUDIO_STACK_DIR set
# (logs in its log/). WAYRTC_AUDIO_STACK_TONE=0 plays nothing. The exit status is
# COMMAND's; 77 (skip) when a needed program is missing.
set -u

say() { echo "audio-stack: $*" >&2; }

for p in dbus-daemon pipewire wireplumber pw-cli wpctl gst-launch-1.0; do
	if ! command -v "$p" >/dev/null 2>&1; then
		say "skipped: $p is not installed (pipewire-bin, wireplumber, gstreamer1.0-tools)"
		exit 77
	fi
done
if ! gst-inspect-1.0 pipewiresink >/dev/null 2>&1; then
	say "skipped: no pipewiresink (gstreamer1.0-pipewire)"
	exit 77
fi
if [ $# -eq 0 ]; then
	sed -n '2,14p' "$0" >&2
	exit 2
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/wayrtc-audio-stack-XXXXXX")
chmod 0700 "$dir"
mkdir -p -m 0700 "$dir/run" "$dir/log" "$dir/config" "$dir/state" "$dir/data"
pids=()
# shellcheck source=../lib/stack.sh
. "$(dirname "$0")/../lib/stack.sh"

cleanup() {
	stack_stop_all
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export XDG_RUNTIME_DIR="$dir/run" PIPEWIRE_RUNTIME_DIR="$dir/run"
export XDG_CONFIG_HOME="$dir/config" XDG_STATE_HOME="$dir/state" XDG_DATA_HOME="$dir/data"
unset PIPEWIRE_REMOTE DBUS_SESSION_BUS_PID
export WAYRTC_AUDIO_STACK_DIR="$dir"

if ! out=$(dbus-daemon --session --fork --print-address=1 --print-pid=1 \
	--address="unix:path=$dir/bus" 2>"$dir/log/dbus.log"); then
	say "dbus-daemon failed"
	stack_dump_logs
	exit 1
fi
export DBUS_SESSION_BUS_ADDRESS=$(echo "$out" | sed -n 1p)
pids+=("$(echo "$out" | sed -n 2p)")

stack_start_pipewire || exit 1
export WAYRTC_AUDIO_STACK_PIPEWIRE_PID=$STACK_PIPEWIRE_PID

# No hardware here: a null sink, kept after pw-cli disconnects (object.linger).
pw-cli create-node adapter '{ factory.name=support.null-audio-sink node.name=wayrtc-test-sink
	node.description="wayrtc test sink" media.class=Audio/Sink object.linger=1
	audio.position=[FL FR] }' >"$dir/log/pw-cli.log" 2>&1
sink=
for _ in $(seq 50); do
	sink=$(wpctl status 2>/dev/null | sed -n '/Sinks:/,/Sources:/p' |
		grep -m1 'wayrtc test sink' | grep -o '[0-9]\+\.' | head -n1 | tr -d .)
	[ -n "$sink" ] && break
	sleep 0.1
done
if [ -z "$sink" ]; then
	say "the null sink did not appear"
	stack_dump_logs
	exit 1
fi
wpctl set-default "$sink" >>"$dir/log/pw-cli.log" 2>&1

if [ "${WAYRTC_AUDIO_STACK_TONE:-1}" != 0 ]; then
	gst-launch-1.0 -q audiotestsrc wave=sine freq=440 volume=${WAYRTC_AUDIO_STACK_VOLUME:-0.5} is-live=true ! \
		audio/x-raw,rate=48000,channels=2 ! \
		pipewiresink stream-properties="props,media.role=Music" >"$dir/log/tone.log" 2>&1 &
	pids+=($!)
fi

"$@"
status=$?
[ "$status" -ne 0 ] && [ "$status" -ne 77 ] && stack_dump_logs
exit "$status"
