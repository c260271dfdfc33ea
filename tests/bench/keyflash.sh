#!/bin/sh
# The pattern client for wayrtc-bench-pipeline when the question is a small change: runs
# `wayrtc-test-pattern --keyflash` (a 64x64 square flips on each key, only it damaged) and
# types a key through wayrtc-test-inject every 100-199 ms, so each frame is an isolated
# typed key on an idle desktop. The bench passes --animate, which is ignored.
#   WAYRTC_BUILD=build-dir wayrtc-bench-pipeline 1280x720 10 tests/bench/keyflash.sh
build=${WAYRTC_BUILD:-build}
"$build/tests/clients/wayrtc-test-pattern" --keyflash >/dev/null &
pattern=$!
trap 'kill $pattern 2>/dev/null' EXIT INT TERM
sleep 0.3
while kill -0 $pattern 2>/dev/null; do
	"$build/tests/clients/wayrtc-test-inject" --at=640,600 --extent=1280x720 >/dev/null || true
	sleep "0.$(shuf -i 100-199 -n 1)"
done
