#!/usr/bin/env bash
# Runs test files with the whole process tree's clock shifted to several instants (Debian's faketime,
# as a relative offset so the daemons a test spawns and restarts read the same continuous time), and
# prints one line per instant. Proves the suite does not depend on the hour, the weekday, UTC midnight
# or a DST change. Usage:
#   scripts/clock-sweep.sh [--at ISO]... [vitest arguments: files, -t NAME...]
# Default instants: eight over 24 hours of a weekday, a Saturday night into Sunday, and both EU DST
# changes; default files: the suites that spawn daemons on the wall clock.
set -uo pipefail
cd "$(dirname "$0")/.."

lib=""
for f in /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 /usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1; do
  [ -e "$f" ] && lib=$f && break
done
[ -n "$lib" ] || { echo "clock-sweep: needs Debian's faketime (apt-get install faketime)" >&2; exit 2; }

ats=()
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --at) ats+=("$2"); shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
[ ${#ats[@]} -gt 0 ] || ats=(
  2026-12-02T00:10:00Z 2026-12-02T03:07:00Z 2026-12-02T06:59:30Z 2026-12-02T09:44:00Z
  2026-12-02T12:00:00Z 2026-12-02T15:14:50Z 2026-12-02T18:29:00Z 2026-12-02T23:50:00Z
  2026-12-05T23:59:30Z 2027-03-28T00:59:30Z 2027-10-31T00:59:30Z
)
[ ${#args[@]} -gt 0 ] || args=(test/stress/crashLoopLive.test.ts test/live test/ops test/status test/metrics test/runner test/stress/crashLoop.test.ts)

fail=0
for at in "${ats[@]}"; do
  shift_s=$(( $(date -u -d "$at" +%s) - $(date -u +%s) ))
  [ "$shift_s" -ge 0 ] && offset="+$shift_s" || offset="$shift_s"
  out=$(LD_PRELOAD="$lib" FAKETIME="$offset" FAKETIME_DONT_FAKE_MONOTONIC=1 npx vitest run "${args[@]}" 2>&1)
  rc=$?
  summary=$(printf '%s\n' "$out" | sed 's/\x1b\[[0-9;]*m//g' | grep -E '^ +Tests ' | tail -1 | sed 's/^ *//')
  orders=$(printf '%s\n' "$out" | grep -oE '[0-9]+ venue orders' | tr '\n' ' ')
  printf '%s  %s  exit %s  %s  %s\n' "$at" "$(date -u -d "$at" +%a)" "$rc" "${summary:-no summary}" "$orders"
  if [ $rc -ne 0 ]; then
    fail=1
    printf '%s\n' "$out" | sed 's/\x1b\[[0-9;]*m//g' | grep -E 'FAIL|Error' | head -10 | sed 's/^/    /'
  fi
done
exit $fail
