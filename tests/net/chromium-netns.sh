#!/bin/sh
# Chromium inside the network namespace $WAYRTC_NET_NS, for Playwright's executablePath
# (ip netns exec execs, so the pid Playwright holds is Chromium's own).
exec ip netns exec "$WAYRTC_NET_NS" "${CHROMIUM:-/usr/bin/chromium}" "$@"
