#!/bin/sh
# Test networks for wayrtc (as root): wayrtc in one network namespace, each browser in its
# own, joined through a router namespace where the link is made worse on purpose. The
# kernels here have no netem, so: tc tbf for rate, iptables' statistic match for random
# loss, and for delay a userspace relay (wayrtc-net-delay) on a TUN device the router
# sends every forwarded packet through. Addresses come from 198.18.0.0/15 (RFC 2544's
# benchmarking range): libnice and Chromium ignore loopback, and nothing real uses these.
#
#   netns.sh up N            router, server, N viewers (1-9), a TURN namespace
#   netns.sh down            ends what runs in them (by pid) and removes them
#   netns.sh shape VIEWER KBIT|off   rate from the router to viewer VIEWER (1..N): the
#                            path's bottleneck; changeable while traffic flows
#   netns.sh loss PERCENT|off        random loss on every hop out of the router, both ways
#   netns.sh delay on|off    route through the TUN device "${P}dly" (the relay makes it)
#   netns.sh udp block|allow         drop every UDP packet to or from a viewer, as a
#                            firewall that lets only TCP out would
#   netns.sh udp relay-only PORT     the same, and TCP from a viewer to the server
#                            only to PORT (its web page): no ICE-TCP, TURN or nothing
#
# Names: namespaces $P-srv, $P-mid, $P-turn, $P-c1…; P is $WAYRTC_NET_PREFIX (default
# "net", at most 6 characters so interface names fit in 15).
# Server 198.18.0.1, viewer i 198.18.i.1, TURN 198.18.100.1; the router is .254 on each.
set -eu
P=${WAYRTC_NET_PREFIX:-net}
MID=$P-mid

in_mid() { ip netns exec "$MID" "$@"; }

# viewers that exist, from the namespaces
viewers() {
	ip netns list | sed -n "s/^$P-c\([0-9]\)\( .*\)\{0,1\}$/\1/p" | sort -n
}

# a namespace without IPv6: a link-local address that leaves its tentative state a second
# or two after the link comes up is a network change to Chromium, which then aborts the
# page load in flight (net::ERR_NETWORK_CHANGED)
netns_add() {
	ip netns add "$1"
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "$1" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
}

# link NAME NS NET: a veth from the router ("${P}m-NAME", .254) into NS ("${P}-eth", .1)
link() {
	netns_add "$2"
	ip link add "${P}m-$1" netns "$MID" type veth peer name "${P}-eth" netns "$2"
	ip -n "$2" addr add "198.18.$3.1/24" dev "${P}-eth"
	ip -n "$2" link set lo up
	ip -n "$2" link set "${P}-eth" up
	ip -n "$2" route add default via "198.18.$3.254"
	ip -n "$MID" addr add "198.18.$3.254/24" dev "${P}m-$1"
	ip -n "$MID" link set "${P}m-$1" up
}

up() {
	n=$1
	case $n in [1-9]) ;; *) echo "netns.sh: 1 to 9 viewers" >&2 && exit 2 ;; esac
	down
	netns_add "$MID"
	ip -n "$MID" link set lo up
	in_mid sysctl -qw net.ipv4.ip_forward=1
	# packets the delay relay writes back arrive on its TUN device, not on the veth
	# their source is routed through
	in_mid sysctl -qw net.ipv4.conf.all.rp_filter=0
	in_mid sysctl -qw net.ipv4.conf.default.rp_filter=0
	link s "$P-srv" 0
	link t "$P-turn" 100
	i=1
	while [ "$i" -le "$n" ]; do
		link "c$i" "$P-c$i" "$i"
		i=$((i + 1))
	done
	# one chain each, so each setting replaces only its own rules
	in_mid iptables -N "${P}LOSS"
	in_mid iptables -N "${P}UDP"
	in_mid iptables -A FORWARD -j "${P}UDP"
	in_mid iptables -A FORWARD -j "${P}LOSS"
	settle
}

# until every veth is running (the kernel reports carrier a moment after "up"), so no
# browser started next sees its link change under a page load; at most 5 s
settle() {
	tries=50
	while [ "$tries" -gt 0 ]; do
		if ! ip -all netns exec ip -br link show 2>/dev/null | grep -q "^${P}.* DOWN\|LOWERLAYERDOWN"; then
			return 0
		fi
		sleep 0.1
		tries=$((tries - 1))
	done
	echo "netns.sh: links still down after 5 s" >&2
}

down() {
	for ns in $(ip netns list | sed -n "s/^\($P-\(srv\|mid\|turn\|c[0-9]\)\)\( .*\)\{0,1\}$/\1/p"); do
		# only our own processes live in our namespaces (browsers, wayrtc, relays)
		pids=$(ip netns pids "$ns" 2>/dev/null || true)
		if [ -n "$pids" ]; then
			# shellcheck disable=SC2086
			kill $pids 2>/dev/null || true
			sleep 0.5
			# shellcheck disable=SC2086
			kill -9 $pids 2>/dev/null || true
		fi
		ip netns del "$ns"
	done
}

shape() {
	dev="${P}m-c$1"
	if [ "$2" = off ]; then
		in_mid tc qdisc del dev "$dev" root 2>/dev/null || true
		return
	fi
	# A home router's queue: 200 ms of buffer at most (the measurement), a burst
	# of about ten full packets.
	in_mid tc qdisc replace dev "$dev" root tbf rate "${2}kbit" burst 16kb latency 200ms
}

loss() {
	in_mid iptables -F "${P}LOSS"
	[ "$1" = off ] && return
	prob=$(awk "BEGIN { printf \"%.4f\", $1 / 100 }")
	# Matched by the veth a packet leaves on, so a packet that also passed through the
	# delay device is counted once.
	for dev in $(in_mid ip -o link show | sed -n "s/^[0-9]*: \(${P}m-[a-z0-9]*\)@.*/\1/p"); do
		in_mid iptables -A "${P}LOSS" -o "$dev" -m statistic --mode random \
			--probability "$prob" -j DROP
	done
}

delay() {
	dev="${P}dly"
	for ifc in $(in_mid ip -o link show | sed -n "s/^[0-9]*: \(${P}m-[a-z0-9]*\)@.*/\1/p"); do
		in_mid ip rule del iif "$ifc" lookup 100 2>/dev/null || true
	done
	in_mid ip route flush table 100 2>/dev/null || true
	[ "$1" = off ] && return
	in_mid ip link set "$dev" up
	in_mid sysctl -qw "net.ipv4.conf.$dev.rp_filter=0"
	in_mid ip route add default dev "$dev" table 100
	for ifc in $(in_mid ip -o link show | sed -n "s/^[0-9]*: \(${P}m-[a-z0-9]*\)@.*/\1/p"); do
		in_mid ip rule add iif "$ifc" lookup 100
	done
}

udp() {
	in_mid iptables -F "${P}UDP"
	[ "$1" = allow ] && return
	for i in $(viewers); do
		in_mid iptables -A "${P}UDP" -p udp -s "198.18.$i.0/24" -j DROP
		in_mid iptables -A "${P}UDP" -p udp -d "198.18.$i.0/24" -j DROP
		if [ "$1" = relay-only ]; then
			in_mid iptables -A "${P}UDP" -p tcp -s "198.18.$i.0/24" -d 198.18.0.1 \
				! --dport "$2" -j DROP
		fi
	done
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
up) up "$@" ;;
down) down ;;
shape) shape "$@" ;;
loss) loss "$@" ;;
delay) delay "$@" ;;
udp) udp "$@" ;;
*)
	sed -n '2,/^set -eu/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
	exit 2
	;;
esac
