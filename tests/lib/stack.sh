# stack.sh: what the test stacks (tests/portal/portal-stack.sh, tests/e2e/audio-stack.sh,
# tests/gnome/gnome-stack.sh, tests/kde/kde-stack.sh) share, sourced by them. They set `dir` (the stack's private directory, with log/),
# `pids` (an array, in starting order) and `say` (a function printing a message).

# Stops every process in `pids`, the last started first: TERM, up to 3 s, then KILL.
stack_stop_all() {
	local i pid
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		pid=${pids[i]}
		kill -TERM "$pid" 2>/dev/null || continue
		for _ in $(seq 30); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	done
	pids=()
}

# The last LINES (default 40) of each log that has anything, to stderr.
# Waits up to SECONDS for NAME on the session bus (gdbus: whichever the caller defines, a
# function running it as another user will do); false, with the logs dumped, if it never comes.
stack_wait_name() { # NAME SECONDS
	local n=$(($2 * 10))
	for _ in $(seq "$n"); do
		if gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
			--method org.freedesktop.DBus.NameHasOwner "$1" 2>/dev/null | grep -q true; then
			return 0
		fi
		sleep 0.1
	done
	say "$1 did not appear on the bus within $2 s"
	stack_dump_logs 60
	return 1
}

stack_dump_logs() {
	local f
	for f in "$dir"/log/*.log; do
		[ -s "$f" ] || continue
		echo "---- $(basename "$f")" >&2
		tail -n "${1:-40}" "$f" >&2
	done
}

# Waits up to 5 s for PipeWire's socket on $XDG_RUNTIME_DIR; false, with the last LINES
# (default 60) of each log dumped, if it never comes.
stack_wait_pipewire() { # [LINES]
	for _ in $(seq 50); do
		[ -S "$XDG_RUNTIME_DIR/pipewire-0" ] && return 0
		sleep 0.1
	done
	say "pipewire did not start"
	stack_dump_logs "${1:-60}"
	return 1
}

# $dir goes, or stays with WAYRTC_STACK_KEEP=1 (said, for looking into a failure).
stack_remove_dir() {
	if [ "${WAYRTC_STACK_KEEP:-0}" = 1 ]; then
		say "kept $dir"
	else
		rm -rf "$dir"
	fi
}

# PipeWire on $XDG_RUNTIME_DIR, then WirePlumber once PipeWire listens (without it a
# stream is never linked; started sooner, under load, it found no PipeWire). Sets
# STACK_PIPEWIRE_PID and STACK_WIREPLUMBER_PID; false, with the logs dumped, when PipeWire does not come up.
stack_start_pipewire() {
	pipewire >"$dir/log/pipewire.log" 2>&1 &
	pids+=($!)
	STACK_PIPEWIRE_PID=$!
	stack_wait_pipewire 40 || return 1
	wireplumber >"$dir/log/wireplumber.log" 2>&1 &
	pids+=($!)
	STACK_WIREPLUMBER_PID=$!
}

# A private bus of TYPE (session or system) on the socket $dir/NAME, its log in
# $dir/log/NAME.log, started through PREFIX (e.g. setpriv as another user: the bus lets
# only its own user in). Anyone on it may own and send anything (a test's bus). A session
# bus activates one service, xdg-permission-store, which xdg-desktop-portal needs (for
# restore tokens). Sets STACK_BUS_ADDRESS, adds the daemon to `pids`; false, with the logs
# dumped, when it does not start.
stack_start_bus() { # TYPE NAME [PREFIX...]
	local type=$1 name=$2 services="" out
	shift 2
	if [ "$type" = session ]; then
		services="<servicedir>$dir/services</servicedir>"
		mkdir -p "$dir/services"
		cat >"$dir/services/org.freedesktop.impl.portal.PermissionStore.service" <<EOF
[D-BUS Service]
Name=org.freedesktop.impl.portal.PermissionStore
Exec=/usr/libexec/xdg-permission-store --replace
EOF
	fi
	cat >"$dir/$name.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>$type</type>
  <listen>unix:path=$dir/$name</listen>
  <auth>EXTERNAL</auth>
  $services
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
	if ! out=$("$@" dbus-daemon --config-file="$dir/$name.conf" --fork --print-address=1 \
		--print-pid=1 2>"$dir/log/$name.log"); then
		say "dbus-daemon ($name) failed"
		stack_dump_logs 60
		return 1
	fi
	STACK_BUS_ADDRESS=$(echo "$out" | sed -n 1p)
	pids+=("$(echo "$out" | sed -n 2p)")
}

# A desktop session's private environment: HOME under $dir/home with the XDG_*_HOME
# directories in it, XDG_RUNTIME_DIR $dir/run, and nothing of the caller's desktop
# (display, PipeWire, bus) left to leak in.
stack_private_home() {
	export HOME="$dir/home" XDG_RUNTIME_DIR="$dir/run"
	export XDG_CONFIG_HOME="$dir/home/.config" XDG_DATA_HOME="$dir/home/.local/share"
	export XDG_STATE_HOME="$dir/home/.local/state" XDG_CACHE_HOME="$dir/home/.cache"
	export XDG_SESSION_TYPE=wayland GIO_USE_VFS=local
	unset WAYLAND_DISPLAY DISPLAY PIPEWIRE_REMOTE PIPEWIRE_RUNTIME_DIR DBUS_SESSION_BUS_PID
}

# Waits up to SECONDS for the pattern client, its stdout in $dir/client.out, to be
# configured at SIZE (WxH; a first configure may come at another size before the
# fullscreen one); false, with what it printed and the logs dumped, if it never is.
stack_wait_configured() { # SIZE SECONDS
	for _ in $(seq $(($2 * 10))); do
		grep -q "^configured $1" "$dir/client.out" && return 0
		sleep 0.1
	done
	say "the pattern client did not go fullscreen at $1; it printed:"
	cat "$dir/client.out" >&2
	stack_dump_logs 60
	return 1
}
