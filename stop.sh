#!/usr/bin/env bash
# Stop 247trader gracefully.
#   ./stop.sh [--timeout S] [--config-dir DIR]
# Sends SIGTERM (the daemon finishes its cycle, writes a shutdown record and exits),
# waits up to S seconds (default 30), and only then sends SIGKILL, saying so.
set -euo pipefail

timeout=30 config_dir="config"
while [ $# -gt 0 ]; do
  case "$1" in
    --timeout) [[ "${2:-}" =~ ^[0-9]+$ ]] || { echo "error: --timeout needs whole seconds" >&2; exit 2; }
      timeout="$2"; shift ;;
    --config-dir) config_dir="$(cd "${2:-}" 2>/dev/null && pwd)" || { echo "error: --config-dir: no such directory: ${2:-}" >&2; exit 2; }
      shift ;;
    -h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done

cd "$(dirname "$0")"
# Alive and not a zombie (a reaped-late child still answers kill -0).
alive() { local s; s="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1; [ -n "$s" ] && [ "$s" != Z ]; }
# The pid file lives in the state directory app.yaml names; read it without starting anything.
state_dir="$(node bin/247trader.js config validate --json --config-dir "$config_dir" 2>/dev/null \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{process.stdout.write(JSON.parse(s).state_dir)}catch{process.stdout.write("data")}})')" || state_dir=data
pid_file="$state_dir/daemon.pid"

if [ ! -f "$pid_file" ]; then
  echo "247trader is not running (no $pid_file)"
  exit 0
fi
pid="$(cat "$pid_file")"
# Our daemon: started as bin/247trader.js, or as src/cli.ts by an older release.
if ! alive "$pid" || ! grep -qE "bin/247trader\.js|src/cli\.ts" "/proc/$pid/cmdline" 2>/dev/null; then
  echo "247trader is not running (stale pid file for $pid removed)"
  rm -f "$pid_file"
  exit 0
fi

echo "Stopping 247trader (pid $pid, SIGTERM, up to ${timeout}s)…"
kill -TERM "$pid"
for _ in $(seq 1 $((timeout * 10))); do
  alive "$pid" || break
  sleep 0.1
done
if alive "$pid"; then
  echo "247trader did not stop within ${timeout}s: sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  while alive "$pid"; do sleep 0.1; done
fi
rm -f "$pid_file"
echo "247trader stopped"
