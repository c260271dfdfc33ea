#!/bin/bash
# gnome-stack.sh: a private headless GNOME 43 session for tests, then COMMAND beside it.
#
#   WAYRTC_BUILD=build tests/gnome/gnome-stack.sh COMMAND [ARGS...]
#
# Starts, all under one temporary directory and stopped again by pid afterwards, as an
# ordinary user (gnome-shell and the bus policy want one: as root, the user wayrtc-test,
# made with useradd if missing, through setpriv; otherwise the caller):
#   an empty system bus (DBUS_SYSTEM_BUS_ADDRESS: where /run/systemd/seats exists,
#   gnome-shell takes the logind path and dies without one) and a session bus (its
#   servicedir activates only xdg-permission-store);
#   pipewire, then wireplumber, on that bus;
#   the accessibility bus (at-spi-bus-launcher), so the consent dialog can be answered
#   through AT-SPI (consent.py);
#   gnome-shell --headless --virtual-monitor 1280x720 --no-x11 (LIBGL_ALWAYS_SOFTWARE=1,
#   XDG_CURRENT_DESKTOP=GNOME), with wayrtc-test-pattern --fullscreen --keysyms --cursor
#   in it, its stdout in $WAYRTC_GNOME_CLIENT_OUT, and the overview GNOME starts in
#   closed (org.gnome.Shell's OverviewActive);
#   /usr/libexec/xdg-desktop-portal-gnome, then /usr/libexec/xdg-desktop-portal with
#   XDG_DESKTOP_PORTAL_DIR holding only gnome.portal.
# COMMAND runs as the caller (root in CI: Chromium needs no bus) with this environment:
#   DBUS_SESSION_BUS_ADDRESS, DBUS_SYSTEM_BUS_ADDRESS, XDG_RUNTIME_DIR, WAYLAND_DISPLAY,
#   HOME and XDG_*_HOME (the user's, under the stack dir), XDG_CURRENT_DESKTOP=GNOME
#   WAYRTC_GNOME_DIR       the directory; logs in $WAYRTC_GNOME_DIR/log/*.log
#   WAYRTC_GNOME_AS_USER   a command prefix that runs a program as the stack's user
#                          (empty when the caller is that user); it keeps the environment
#   WAYRTC_GNOME_WAYRTC    a copy of wayrtc the user can run (the build tree may be closed
#                          to it)
#   WAYRTC_GNOME_CONSENT   consent.py, likewise
#   WAYRTC_GNOME_CLIENT_OUT  the pattern client's input events
# Exit status 77 (skip) when a needed program is missing. Logs are printed on failure.
set -u

size=1280x720
user=wayrtc-test
here=$(cd "$(dirname "$0")" && pwd)
build=${WAYRTC_BUILD:-$here/../../build}
pids=()
# shellcheck source=../lib/stack.sh
. "$here/../lib/stack.sh"

say() { echo "gnome-stack: $*" >&2; }

for p in dbus-daemon pipewire wireplumber gdbus gnome-shell /usr/bin/python3 setpriv \
	/usr/libexec/at-spi-bus-launcher /usr/libexec/xdg-desktop-portal \
	/usr/libexec/xdg-desktop-portal-gnome /usr/libexec/xdg-permission-store; do
	if ! command -v "$p" >/dev/null 2>&1; then
		say "skipped: $p is not installed"
		exit 77
	fi
done
if ! /usr/bin/python3 -c 'import pyatspi' 2>/dev/null; then
	say "skipped: python3-pyatspi is not installed"
	exit 77
fi
if [ $# -eq 0 ] || [ ! -x "$build/src/wayrtc" ]; then
	sed -n '2,31p' "$0" >&2
	exit 2
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/wayrtc-gnome-stack-XXXXXX")
as_user=()
if [ "$(id -u)" = 0 ]; then
	id -u "$user" >/dev/null 2>&1 || useradd --create-home --shell /usr/sbin/nologin "$user"
	as_user=(setpriv --reuid="$(id -u "$user")" --regid="$(id -g "$user")" --clear-groups)
fi
mkdir -p -m 0700 "$dir/run" "$dir/log" "$dir/services" "$dir/portals" "$dir/home"
cp "$build/src/wayrtc" "$build/tests/clients/wayrtc-test-pattern" "$here/consent.py" "$dir/"
: >"$dir/client.out"
[ "$(id -u)" = 0 ] && chown -R "$user:" "$dir"
chmod 0711 "$dir"

# Every process the stack started is ended by pid, and so is what they started in turn
# (the accessibility bus's daemon and registry, which D-Bus activation leaves to init):
# found by the runtime directory in their environment, which is this stack's alone.
strays() {
	local p
	for p in /proc/[0-9]*; do
		if { tr '\0' '\n' <"$p/environ"; } 2>/dev/null | grep -qx "XDG_RUNTIME_DIR=$dir/run"; then
			echo "${p#/proc/}"
		fi
	done
}
cleanup() {
	local rest pid
	stack_stop_all
	rest=$(strays)
	for pid in $rest; do
		kill -TERM "$pid" 2>/dev/null
	done
	sleep 0.2
	for pid in $rest; do
		kill -KILL "$pid" 2>/dev/null
	done
	stack_remove_dir
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Private environment for everything below: nothing of the caller's desktop leaks in.
stack_private_home
export XDG_CURRENT_DESKTOP=GNOME LIBGL_ALWAYS_SOFTWARE=1
unset NO_AT_BRIDGE GTK_A11Y

# ---- the buses
stack_start_bus system system_bus "${as_user[@]}" || exit 1
export DBUS_SYSTEM_BUS_ADDRESS=$STACK_BUS_ADDRESS
stack_start_bus session bus "${as_user[@]}" || exit 1
export DBUS_SESSION_BUS_ADDRESS=$STACK_BUS_ADDRESS

start() { # LOG PROGRAM ARGS...: as the user, in the background
	local log=$1
	shift
	"${as_user[@]}" "$@" >"$dir/log/$log.log" 2>&1 &
	pids+=($!)
}
# gdbus as the user (the bus lets only its own user in)
gdbus() { "${as_user[@]}" /usr/bin/gdbus "$@"; }

# ---- PipeWire, then WirePlumber once PipeWire listens
start pipewire pipewire
stack_wait_pipewire || exit 1
start wireplumber wireplumber

# ---- the accessibility bus, before any GTK program
start atspi /usr/libexec/at-spi-bus-launcher
stack_wait_name org.a11y.Bus 10 || exit 1

# ---- GNOME
start gnome-shell gnome-shell --headless --virtual-monitor "$size" --no-x11
shell_pid=$!
# gnome-shell 43 starts ibus-daemon with GLib.spawn_async and a child_setup written in
# JavaScript: the forked child runs gjs before it execs, and can block for ever on a lock
# (GType's) another thread held at the fork. gnome-shell then waits for that exec for
# ever and configures no window (4 of 13 starts at load 15–20). Such a child is a
# copy of gnome-shell that never became its program: ended, gnome-shell goes on without
# ibus. Watched for as long as the stack runs: it may spawn again.
unstick_shell() {
	local c
	for c in $(pgrep -P "$shell_pid"); do
		[ "$(readlink "/proc/$c/exe")" = "$(readlink "/proc/$shell_pid/exe")" ] || continue
		# a fork about to exec is such a copy too, for a moment
		[ "$(ps -o etimes= -p "$c" 2>/dev/null || echo 0)" -ge 5 ] || continue
		say "gnome-shell's child $c is stuck between fork and exec: ended"
		kill -KILL "$c" 2>/dev/null
	done
}
(
	while kill -0 "$shell_pid" 2>/dev/null; do
		unstick_shell
		sleep 2
	done
) &
pids+=($!)
stack_wait_name org.gnome.Mutter.ScreenCast 60 || exit 1
stack_wait_name org.gnome.Mutter.RemoteDesktop 10 || exit 1
for _ in $(seq 100); do
	[ -S "$XDG_RUNTIME_DIR/wayland-0" ] && break
	sleep 0.1
done
export WAYLAND_DISPLAY=wayland-0
"${as_user[@]}" sh -c "exec '$dir/wayrtc-test-pattern' --fullscreen --keysyms --cursor \
	>'$dir/client.out'" 2>"$dir/log/client.log" &
pids+=($!)
# (a first configure may come before the fullscreen one; on a busy machine mutter
# configures no window before its start-up is done, which took 20 s and more)
stack_wait_configured "$size" 60 || exit 1

# GNOME starts in the overview, which would cover the client: it is closed as a person
# would (Escape), through the shell's own OverviewActive property
overview() { # [true|false]: reads, or sets
	if [ $# = 0 ]; then
		gdbus call --session --dest org.gnome.Shell --object-path /org/gnome/Shell \
			--method org.freedesktop.DBus.Properties.Get org.gnome.Shell OverviewActive
	else
		gdbus call --session --dest org.gnome.Shell --object-path /org/gnome/Shell \
			--method org.freedesktop.DBus.Properties.Set org.gnome.Shell OverviewActive \
			"<$1>" >/dev/null
	fi
}
for _ in $(seq 50); do
	overview | grep -q true && break
	sleep 0.2
done
overview false
for _ in $(seq 50); do
	overview | grep -q false && break
	sleep 0.2
done
if ! overview | grep -q false; then
	say "GNOME's overview does not close"
	stack_dump_logs 60
	exit 1
fi

# ---- the portals
start xdg-desktop-portal-gnome /usr/libexec/xdg-desktop-portal-gnome
stack_wait_name org.freedesktop.impl.portal.desktop.gnome 20 || exit 1
cp /usr/share/xdg-desktop-portal/portals/gnome.portal "$dir/portals/"
start xdg-desktop-portal env XDG_DESKTOP_PORTAL_DIR="$dir/portals" \
	/usr/libexec/xdg-desktop-portal --verbose
stack_wait_name org.freedesktop.portal.Desktop 20 || exit 1

export WAYRTC_GNOME_DIR="$dir" WAYRTC_GNOME_AS_USER="${as_user[*]}"
export WAYRTC_GNOME_WAYRTC="$dir/wayrtc" WAYRTC_GNOME_CONSENT="$dir/consent.py"
export WAYRTC_GNOME_CLIENT_OUT="$dir/client.out"
"$@"
rc=$?
[ "$rc" = 0 ] || [ "$rc" = 77 ] || stack_dump_logs 60
exit "$rc"
