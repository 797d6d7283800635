#!/usr/bin/env bash
# Fleet check: do all instances run the same configuration?
#   scripts/check-drift.sh LOG_OR_DIR [LOG_OR_DIR …]
# Each argument is one instance's audit log or log directory (for remote hosts, copy or
# mount them first, e.g. `scp host:/app/logs/247trader-v2_audit.jsonl b.jsonl`).
# Prints the latest config_hash of each instance side by side.
# Exit 0: all in sync. Exit 1: drift. Exit 2: usage error or unreadable log.
set -euo pipefail
if [ $# -lt 1 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
  [ $# -ge 1 ] && exit 0 || exit 2
fi
here="$(cd "$(dirname "$0")/.." && pwd)"
args=()
for p in "$@"; do args+=("$(cd "$(dirname "$p")" 2>/dev/null && pwd)/$(basename "$p")"); done
cd "$here"
exec node bin/247trader.js audit drift "${args[@]}"
