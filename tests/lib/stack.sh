# stack.sh: what the test stacks (tests/portal/portal-stack.sh, tests/e2e/audio-stack.sh)
# share, sourced by them. They set `dir` (the stack's private directory, with log/),
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
