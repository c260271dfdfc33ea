#!/bin/sh
# Smoke test of wayrtc-session: start it at 640x480 with wayrtc-test-pattern inside,
# learn the socket through --ready-fd, screenshot it with grim and check the four
# quadrant colours; with wayrtc-test-inject also check that virtual pointer/keyboard
# events reach the client and that an output-management mode change resizes output and
# window; then SIGTERM it and expect exit status 0.
# Usage: session-smoke.sh PATH/wayrtc-session PATH/wayrtc-test-pattern [PATH/wayrtc-test-inject]
set -u

SESSION=${1:?usage: session-smoke.sh wayrtc-session wayrtc-test-pattern}
PATTERN=${2:?usage: session-smoke.sh wayrtc-session wayrtc-test-pattern}
INJECT=${3:-}
NEW_WIDTH=800
NEW_HEIGHT=600
WIDTH=640
HEIGHT=480
READY_TIMEOUT=10
SHOT_ATTEMPTS=20

if ! command -v grim >/dev/null 2>&1; then
	echo "SKIP: grim is not installed"
	exit 77
fi

tmp=$(mktemp -d) || exit 1
chmod 700 "$tmp"
session_pid=
cleanup() {
	if [ -n "$session_pid" ] && kill -0 "$session_pid" 2>/dev/null; then
		kill -KILL "$session_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	echo "--- session log"; cat "$tmp/session.log" 2>/dev/null
	echo "--- client output"; cat "$tmp/client.out" 2>/dev/null
	exit 1
}

echo "running as uid $(id -u)"
export XDG_RUNTIME_DIR="$tmp"
unset WAYLAND_DISPLAY WAYLAND_SOCKET DISPLAY

mkfifo "$tmp/ready" || exit 1
"$SESSION" --size=${WIDTH}x${HEIGHT} --ready-fd=3 -- "$PATTERN" \
	3>"$tmp/ready" >"$tmp/client.out" 2>"$tmp/session.log" &
session_pid=$!

# The fifo hands over the line; EOF without it means the session died first.
line=$(timeout "$READY_TIMEOUT" head -n 1 "$tmp/ready")
case "$line" in
WAYLAND_DISPLAY=?*) display=${line#WAYLAND_DISPLAY=} ;;
*) fail "no readiness line from --ready-fd (got '$line')" ;;
esac
echo "session ready on $display"
[ -S "$tmp/$display" ] || fail "no socket $tmp/$display"

# Waits until the client printed exactly this line.
wait_client_line() {
	i=0
	until grep -qx "$1" "$tmp/client.out" 2>/dev/null; do
		i=$((i + 1))
		[ $i -le $((READY_TIMEOUT * 10)) ] || fail "the client never printed '$1'"
		kill -0 "$session_pid" 2>/dev/null || fail "the session exited early"
		sleep 0.1
	done
}
wait_client_line "configured ${WIDTH}x${HEIGHT}"

check_shot() {
	WAYLAND_DISPLAY="$display" timeout 5 grim -t ppm "$tmp/shot.ppm" 2>"$tmp/grim.err" ||
		return 2
	python3 - "$tmp/shot.ppm" "$1" "$2" <<'EOF'
import sys

path, want_w, want_h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = open(path, 'rb').read()
# P6 header: magic, width, height, maxval, separated by whitespace.
fields, pos = [], 0
while len(fields) < 4:
    while data[pos:pos + 1].isspace():
        pos += 1
    start = pos
    while not data[pos:pos + 1].isspace():
        pos += 1
    fields.append(data[start:pos])
pos += 1
if fields[0] != b'P6' or int(fields[3]) != 255:
    sys.exit('not an 8-bit P6 PPM: %r' % fields)
w, h = int(fields[1]), int(fields[2])
if (w, h) != (want_w, want_h):
    sys.exit('screenshot is %dx%d, want %dx%d' % (w, h, want_w, want_h))
if len(data) - pos < w * h * 3:
    sys.exit('truncated PPM')
want = {
    'top-left red': (w // 4, h // 4, (255, 0, 0)),
    'top-right green': (3 * w // 4, h // 4, (0, 255, 0)),
    'bottom-left blue': (w // 4, 3 * h // 4, (0, 0, 255)),
    'bottom-right white': (3 * w // 4, 3 * h // 4, (255, 255, 255)),
}
bad = []
for name, (x, y, rgb) in want.items():
    off = pos + (y * w + x) * 3
    got = tuple(data[off:off + 3])
    if got != rgb:
        bad.append('%s at %d,%d is %r' % (name, x, y, got))
if bad:
    sys.exit('; '.join(bad))
print('screenshot %dx%d with red/green/blue/white quadrants' % (w, h))
EOF
}

# Retries: the first frames after a (re)configure may still show the old content.
expect_shot() {
	n=0
	until check_shot "$1" "$2"; do
		n=$((n + 1))
		[ $n -lt $SHOT_ATTEMPTS ] ||
			fail "screenshot check at $1x$2 failed ($(cat "$tmp/grim.err" 2>/dev/null))"
		sleep 0.1
	done
}
expect_shot $WIDTH $HEIGHT

if [ -n "$INJECT" ]; then
	# A quarter of the way in each direction lands on pixel (160,120) of the window.
	WAYLAND_DISPLAY="$display" "$INJECT" --at=$((WIDTH / 4)),$((HEIGHT / 4)) \
		--extent=${WIDTH}x${HEIGHT} >"$tmp/inject.out" 2>&1 ||
		fail "wayrtc-test-inject failed: $(cat "$tmp/inject.out")"
	for want in "pointer motion $((WIDTH / 4)) $((HEIGHT / 4))" "button 272 pressed" \
		"button 272 released" "axis 0 10" "keymap" "key 30 pressed" "key 30 released"; do
		wait_client_line "$want"
	done
	echo "virtual pointer and keyboard events reached the client"

	WAYLAND_DISPLAY="$display" "$INJECT" --mode=${NEW_WIDTH}x${NEW_HEIGHT} --no-input \
		>"$tmp/inject.out" 2>&1 || fail "output mode change failed: $(cat "$tmp/inject.out")"
	wait_client_line "configured ${NEW_WIDTH}x${NEW_HEIGHT}"
	expect_shot $NEW_WIDTH $NEW_HEIGHT
	echo "output-management resized the output and the window"
fi

kill -TERM "$session_pid"
wait "$session_pid"
status=$?
session_pid=
[ $status -eq 0 ] || fail "the session exited with status $status after SIGTERM, want 0"
grep -q "WAYLAND_DISPLAY=$display" "$tmp/session.log" ||
	[ "${WAYRTC_LOG:-info}" = warn ] || [ "${WAYRTC_LOG:-info}" = error ] ||
	fail "the session did not log its WAYLAND_DISPLAY line"
echo "PASS: wayrtc-session at ${WIDTH}x${HEIGHT} shows the pattern and exits 0 on SIGTERM"
exit 0
