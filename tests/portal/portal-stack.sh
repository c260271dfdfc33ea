#!/bin/bash
# portal-stack.sh: a private desktop-portal stack for tests, then COMMAND inside it.
#
#   WAYRTC_SESSION=build/src/session/wayrtc-session \
#   WAYRTC_PORTAL_BACKEND=build/portal/xdg-desktop-portal-wayrtc \
#   [WAYRTC_STACK_CLIENT='build/tests/clients/wayrtc-test-pattern'] \
#   [WAYRTC_STACK_SIZE=640x480] [WAYRTC_STACK_CHOOSER=none] [WAYRTC_STACK_KEEP=1] \
#   [WAYRTC_STACK_COMPOSITOR=sway] \
#   tests/portal/portal-stack.sh COMMAND [ARGS...]
#
# Starts, all private to one temporary directory and stopped again by pid afterwards:
#   a dbus-daemon session bus (own config; its servicedir only activates
#   xdg-permission-store, which the frontend needs for persistent restore tokens),
#   pipewire, then wireplumber, on that bus;
#   wayrtc-session (the headless compositor) running WAYRTC_STACK_CLIENT (a shell command
#   line, optional) with the client's stdout in $WAYRTC_STACK_CLIENT_OUT; or, with
#   WAYRTC_STACK_COMPOSITOR=sway, headless sway (as the user wayrtc-test when run as
#   root, since sway refuses root) running the client the same way;
#   xdg-desktop-portal-wayrtc (the backend) on that compositor;
#   the real /usr/libexec/xdg-desktop-portal (1.16, or $WAYRTC_STACK_FRONTEND) with
#   XDG_DESKTOP_PORTAL_DIR holding only our wayrtc.portal and XDG_CURRENT_DESKTOP=wlroots.
# COMMAND then runs with this environment (and its exit status is the script's):
#   DBUS_SESSION_BUS_ADDRESS   the private bus (org.freedesktop.portal.Desktop is up)
#   XDG_RUNTIME_DIR, WAYLAND_DISPLAY   the compositor (pipewire-0 is there too)
#   XDG_CONFIG_HOME, XDG_DATA_HOME, XDG_STATE_HOME, XDG_CACHE_HOME   under the stack dir
#   WAYRTC_STACK_DIR           the directory; logs in $WAYRTC_STACK_DIR/log/*.log
#   WAYRTC_STACK_CONFIG        the backend's config.ini ([portal] chooser=…); the backend
#                              reads it at every Start, so COMMAND may rewrite it
#   WAYRTC_STACK_CLIENT_OUT    the client's stdout (the pattern client's input events)
#   WAYRTC_STACK_SESSION_PID, WAYRTC_STACK_BACKEND_PID, WAYRTC_STACK_FRONTEND_PID,
#   WAYRTC_STACK_WIREPLUMBER_PID
#                              (a test may stop the compositor to see the session end, or
#                              pause WirePlumber so that no stream is linked)
# Exit status 77 (skip) when a needed program is missing. Logs are printed on failure.
set -u

frontend=${WAYRTC_STACK_FRONTEND:-/usr/libexec/xdg-desktop-portal}
size=${WAYRTC_STACK_SIZE:-640x480}
chooser=${WAYRTC_STACK_CHOOSER:-none}
here=$(cd "$(dirname "$0")" && pwd)
portal_file="$here/../../portal/wayrtc.portal"
pids=()
# shellcheck source=../lib/stack.sh
. "$(dirname "$0")/../lib/stack.sh"

say() { echo "portal-stack: $*" >&2; }

needed=(dbus-daemon pipewire wireplumber gdbus "$frontend" /usr/libexec/xdg-permission-store)
[ "${WAYRTC_STACK_COMPOSITOR:-}" = sway ] && needed+=(sway setpriv)
for p in "${needed[@]}"; do
	if ! command -v "$p" >/dev/null 2>&1; then
		say "skipped: $p is not installed"
		exit 77
	fi
done
if [ -z "${WAYRTC_SESSION:-}" ] || [ -z "${WAYRTC_PORTAL_BACKEND:-}" ] || [ $# -eq 0 ]; then
	sed -n '2,34p' "$0" >&2
	exit 2
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/wayrtc-portal-stack-XXXXXX")
chmod 0700 "$dir"
mkdir -p -m 0700 "$dir/run" "$dir/log" "$dir/portals" "$dir/config" \
	"$dir/data" "$dir/state" "$dir/cache" "$dir/config/xdg-desktop-portal-wayrtc"

cleanup() {
	stack_stop_all
	stack_remove_dir
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Private environment for everything below: nothing of the caller's desktop leaks in.
export XDG_RUNTIME_DIR="$dir/run"
export XDG_CONFIG_HOME="$dir/config" XDG_DATA_HOME="$dir/data"
export XDG_STATE_HOME="$dir/state" XDG_CACHE_HOME="$dir/cache"
export XDG_CURRENT_DESKTOP=wlroots
unset WAYLAND_DISPLAY DISPLAY PIPEWIRE_REMOTE PIPEWIRE_RUNTIME_DIR DBUS_SESSION_BUS_PID
export GIO_USE_VFS=local GSETTINGS_BACKEND=memory NO_AT_BRIDGE=1

# ---- the bus
stack_start_bus session bus || exit 1
export DBUS_SESSION_BUS_ADDRESS=$STACK_BUS_ADDRESS

# ---- PipeWire, then WirePlumber (without it a consumer waits forever for a link)
stack_start_pipewire || exit 1
export WAYRTC_STACK_WIREPLUMBER_PID=$STACK_WIREPLUMBER_PID

# ---- the compositor, with the client inside
start_sway() {
	local user=wayrtc-test swayrun="$dir/sway" cmd=(sway -c "$dir/sway/config") client= i
	mkdir -m 0700 "$swayrun"
	if [ -n "${WAYRTC_STACK_CLIENT:-}" ]; then
		# the user may not reach the build tree: a copy of its own
		client="$swayrun/$(basename "${WAYRTC_STACK_CLIENT%% *}")"
		cp "${WAYRTC_STACK_CLIENT%% *}" "$client"
		client="$client${WAYRTC_STACK_CLIENT#"${WAYRTC_STACK_CLIENT%% *}"}"
	fi
	{
		echo "output HEADLESS-1 resolution $size"
		echo 'default_border none'
		[ -n "$client" ] && echo "exec sh -c 'exec $client > $swayrun/client.out'"
	} >"$swayrun/config"
	: >"$swayrun/client.out"
	if [ "$(id -u)" = 0 ]; then
		id -u "$user" >/dev/null 2>&1 ||
			useradd --create-home --shell /usr/sbin/nologin "$user"
		chown -R "$user:" "$swayrun"
		chmod 0711 "$dir"
		cmd=(setpriv --reuid="$(id -u "$user")" --regid="$(id -g "$user")" --clear-groups
			"${cmd[@]}")
	fi
	HOME="$swayrun" XDG_RUNTIME_DIR="$swayrun" WLR_BACKENDS=headless WLR_RENDERER=pixman \
		WLR_LIBINPUT_NO_DEVICES=1 XKB_DEFAULT_LAYOUT=us "${cmd[@]}" \
		>"$dir/log/session.log" 2>&1 &
	pids+=($!)
	export WAYRTC_STACK_SESSION_PID=$!
	for i in $(seq 100); do
		for sock in "$swayrun"/wayland-[0-9]*; do
			case "$sock" in *.lock) continue ;; esac
			[ -S "$sock" ] && export WAYLAND_DISPLAY=$sock && break 2
		done
		sleep 0.1
	done
	if [ -z "${WAYLAND_DISPLAY:-}" ]; then
		say "sway did not start"
		stack_dump_logs 60
		exit 1
	fi
	ln -sf "$swayrun/client.out" "$dir/client.out"
}

mkfifo "$dir/ready"
if [ "${WAYRTC_STACK_COMPOSITOR:-}" = sway ]; then
	start_sway
elif [ -n "${WAYRTC_STACK_CLIENT:-}" ]; then
	XKB_DEFAULT_LAYOUT=us "$WAYRTC_SESSION" --size="$size" --ready-fd=3 -- \
		sh -c "exec $WAYRTC_STACK_CLIENT" 3>"$dir/ready" >"$dir/client.out" \
		2>"$dir/log/session.log" &
else
	XKB_DEFAULT_LAYOUT=us "$WAYRTC_SESSION" --size="$size" --ready-fd=3 3>"$dir/ready" \
		>"$dir/client.out" 2>"$dir/log/session.log" &
fi
if [ "${WAYRTC_STACK_COMPOSITOR:-}" != sway ]; then
	pids+=($!)
	export WAYRTC_STACK_SESSION_PID=$!
	line=
	read -r -t 15 line <"$dir/ready"
	case "$line" in
	WAYLAND_DISPLAY=*) export WAYLAND_DISPLAY=${line#WAYLAND_DISPLAY=} ;;
	*)
		say "wayrtc-session did not start"
		stack_dump_logs 60
		exit 1
		;;
	esac
fi

# ---- the backend, on that compositor
printf '[portal]\nchooser=%s\n' "$chooser" >"$dir/config/xdg-desktop-portal-wayrtc/config.ini"
"$WAYRTC_PORTAL_BACKEND" >"$dir/log/backend.log" 2>&1 &
pids+=($!)
export WAYRTC_STACK_BACKEND_PID=$!
stack_wait_name org.freedesktop.impl.portal.desktop.wayrtc 10 || exit 1

# ---- the frontend, which finds only our .portal file
cp "$portal_file" "$dir/portals/"
XDG_DESKTOP_PORTAL_DIR="$dir/portals" "$frontend" --verbose >"$dir/log/frontend.log" 2>&1 &
pids+=($!)
export WAYRTC_STACK_FRONTEND_PID=$!
stack_wait_name org.freedesktop.portal.Desktop 10 || exit 1

export WAYRTC_STACK_DIR="$dir"
export WAYRTC_STACK_CONFIG="$dir/config/xdg-desktop-portal-wayrtc/config.ini"
export WAYRTC_STACK_CLIENT_OUT="$dir/client.out"
"$@"
rc=$?
# sanitizer builds: a report from our programs fails the run even if COMMAND passed
stack_stop_all
if grep -lE "runtime error:|ERROR: AddressSanitizer|ERROR: LeakSanitizer" \
	"$dir/log/backend.log" "$dir/log/session.log" >/dev/null 2>&1; then
	say "a sanitizer reported an error"
	[ "$rc" = 0 ] && rc=1
fi
[ "$rc" = 0 ] || [ "$rc" = 77 ] || stack_dump_logs 60
exit "$rc"
