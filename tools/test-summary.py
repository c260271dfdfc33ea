#!/usr/bin/env python3
"""Reads meson's testlog.json files (given as arguments) and prints every skipped test and
subtest by name, then "N passed, N failed, N skipped". A skipped subtest is a TAP line
"ok N ... # SKIP reason" (GTest --tap and node --test alike); a whole test skips with exit
77; a node test file that ran no test at all ("# tests 0") counts as failed. Exit 1 when
anything failed, or (WAYRTC_CI=1, where every dependency is installed) anything skipped."""
import json
import os
import re
import sys

counts = {}
skips = []
# a TAP line of a skipped subtest: GTest (--tap) and node --test alike
skip_line = re.compile(r"^\s*ok \d+ - (.*?)\s*# SKIP\b:?\s*(.*)$|^\s*ok \d+ (.*?)\s*# SKIP\b:?\s*(.*)$")
for line in (l for path in sys.argv[1:] for l in open(path)):
    if not line.strip():
        continue
    r = json.loads(line)
    result = r["result"]
    counts[result] = counts.get(result, 0) + 1
    if result == "SKIP":
        skips.append(f"{r['name']} (the whole test: exit 77)")
    for out in (r.get("stdout") or "").splitlines():
        m = skip_line.match(out)
        if m:
            name = m.group(1) or m.group(3)
            why = m.group(2) or m.group(4) or ""
            skips.append(f"{r['name']}: {name}" + (f" ({why})" if why else ""))
    if result == "OK" and re.search(r"^# tests 0$", r.get("stdout") or "", re.M):
        skips.append(f"{r['name']}: ran no test at all")
        counts["EMPTY"] = counts.get("EMPTY", 0) + 1
        counts["OK"] -= 1
for s in skips:
    print("SKIPPED", s)
ok = counts.pop("OK", 0) + counts.pop("EXPECTEDFAIL", 0)
skipped = counts.pop("SKIP", 0)
failed = sum(counts.values())
print(f"{ok} passed, {failed} failed, {skipped} skipped ({len(skips)} skipped tests and subtests listed above)")
if failed:
    sys.exit(1)
if skips and os.environ.get("WAYRTC_CI") == "1":
    print("CI: a skip is a failure here (every dependency is installed)")
    sys.exit(1)
