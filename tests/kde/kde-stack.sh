#!/bin/bash
# kde-stack.sh: a private headless KDE Plasma 5.27 session (KWin) for tests, then COMMAND
# beside it.
#
#   WAYRTC_BUILD=build tests/kde/kde-stack.sh COMMAND [ARGS...]
#
# Starts, all under one temporary directory and stopped again by pid afterwards, as the
# caller (KWin runs as root too):
#   a session bus (its servicedir activates only xdg-permission-store);
#   pipewire, then wireplumber, on that bus;
#   kwin_wayland --virtual 1280x720 (a copy of it: /usr/bin/kwin_wayland carries the file
#   capability cap_sys_resource, and where the bounding set lacks it, as in containers,
#   exec fails with "Operation not permitted"; cp drops file capabilities), with
#   wayrtc-test-pattern --fullscreen --keysyms --keyflash in it (every key repaints a
#   corner, so a desktop that could cast would have new frames to send), its stdout in
#   $WAYRTC_KDE_CLIENT_OUT;
#   xdg-desktop-portal-kde (on KWin through Qt's Wayland platform: RemoteDesktop input goes
#   through KWin's fake-input protocol), then /usr/libexec/xdg-desktop-portal with
#   XDG_DESKTOP_PORTAL_DIR holding only kde.portal.
# COMMAND runs with this environment (its exit status is the script's):
#   DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR (pipewire-0 is there), WAYLAND_DISPLAY,
#   HOME and XDG_*_HOME (under the stack dir), XDG_CURRENT_DESKTOP=KDE
#   WAYRTC_KDE_DIR         the directory; logs in $WAYRTC_KDE_DIR/log/*.log
#   WAYRTC_KDE_CLIENT_OUT  the pattern client's input events
# Exit status 77 (skip) when a needed program is missing. Logs are printed on failure.
set -u

width=1280
height=720
here=$(cd "$(dirname "$0")" && pwd)
build=${WAYRTC_BUILD:-$here/../../build}
portal_kde=/usr/libexec/xdg-desktop-portal-kde # Debian's is in the multiarch libexec
for p in /usr/lib/*/libexec/xdg-desktop-portal-kde; do
	[ -x "$p" ] && portal_kde=$p
done
pids=()
# shellcheck source=../lib/stack.sh
. "$here/../lib/stack.sh"

say() { echo "kde-stack: $*" >&2; }

for p in dbus-daemon pipewire wireplumber gdbus kwin_wayland "$portal_kde" \
	/usr/libexec/xdg-desktop-portal /usr/libexec/xdg-permission-store; do
	if ! command -v "$p" >/dev/null 2>&1; then
		say "skipped: $p is not installed"
		exit 77
	fi
done
if [ $# -eq 0 ] || [ ! -x "$build/tests/clients/wayrtc-test-pattern" ]; then
	sed -n '2,27p' "$0" >&2
	exit 2
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/wayrtc-kde-stack-XXXXXX")
chmod 0700 "$dir"
mkdir -p -m 0700 "$dir/run" "$dir/log" "$dir/portals" "$dir/home"
cp "$(command -v kwin_wayland)" "$dir/kwin_wayland"
: >"$dir/client.out"

cleanup() {
	stack_stop_all
	stack_remove_dir
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Private environment for everything below: nothing of the caller's desktop leaks in.
stack_private_home
export XDG_CURRENT_DESKTOP=KDE
unset QT_QPA_PLATFORM

# ---- the bus
stack_start_bus session bus || exit 1
export DBUS_SESSION_BUS_ADDRESS=$STACK_BUS_ADDRESS

# ---- PipeWire, then WirePlumber
stack_start_pipewire || exit 1

# ---- KWin, with the client inside
"$dir/kwin_wayland" --virtual --width "$width" --height "$height" --no-lockscreen \
	--socket wayland-0 >"$dir/log/kwin.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do
	[ -S "$XDG_RUNTIME_DIR/wayland-0" ] && break
	sleep 0.1
done
if [ ! -S "$XDG_RUNTIME_DIR/wayland-0" ]; then
	say "kwin_wayland did not start"
	stack_dump_logs 60
	exit 1
fi
export WAYLAND_DISPLAY=wayland-0
"$build/tests/clients/wayrtc-test-pattern" --fullscreen --keysyms --keyflash \
	>"$dir/client.out" 2>"$dir/log/client.log" &
pids+=($!)
stack_wait_configured "${width}x$height" 30 || exit 1

# ---- the portals
QT_QPA_PLATFORM=wayland "$portal_kde" >"$dir/log/xdg-desktop-portal-kde.log" 2>&1 &
pids+=($!)
stack_wait_name org.freedesktop.impl.portal.desktop.kde 20 || exit 1
cp /usr/share/xdg-desktop-portal/portals/kde.portal "$dir/portals/"
XDG_DESKTOP_PORTAL_DIR="$dir/portals" /usr/libexec/xdg-desktop-portal --verbose \
	>"$dir/log/xdg-desktop-portal.log" 2>&1 &
pids+=($!)
stack_wait_name org.freedesktop.portal.Desktop 20 || exit 1

export WAYRTC_KDE_DIR="$dir" WAYRTC_KDE_CLIENT_OUT="$dir/client.out"
"$@"
rc=$?
[ "$rc" = 0 ] || [ "$rc" = 77 ] || stack_dump_logs 60
exit "$rc"
