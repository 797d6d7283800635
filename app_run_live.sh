#!/usr/bin/env bash
# Start 247trader.
#   ./app_run_live.sh [--loop] [--dry-run|--paper|--live] [--config-dir DIR] [--interval S] [--accept-reconcile-differences]
# Without --loop: one cycle in the foreground. With --loop: the daemon detached in the
# background, its output in logs/live_<UTC timestamp>.log and its pid in <state dir>/daemon.pid.
# Mode flags override app.yaml. Exit codes: 0 ok, 1 failure, 2 usage or config error.
set -euo pipefail

usage() { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; }

loop=0 mode_flag="" config_dir="config" extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --loop) loop=1 ;;
    --dry-run|--paper|--live)
      if [ -n "$mode_flag" ] && [ "$mode_flag" != "$1" ]; then echo "error: conflicting mode flags: $mode_flag and $1" >&2; exit 2; fi
      mode_flag="$1" ;;
    --config-dir) [ $# -ge 2 ] || { echo "error: --config-dir needs a directory" >&2; exit 2; }
      config_dir="$(cd "$2" 2>/dev/null && pwd)" || { echo "error: --config-dir: no such directory: $2" >&2; exit 2; }
      shift ;;
    --interval) [ $# -ge 2 ] || { echo "error: --interval needs seconds" >&2; exit 2; }
      extra+=(--interval "$2"); shift ;;
    --accept-reconcile-differences) extra+=("$1") ;; # LIVE: adopt venue differences at startup (recorded)
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

cd "$(dirname "$0")"
# Alive and not a zombie (a reaped-late child still answers kill -0).
alive() { local s; s="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1; [ -n "$s" ] && [ "$s" != Z ]; }
if [ ! -d node_modules ]; then
  echo "Installing dependencies (npm ci)…"
  npm ci --no-audit --no-fund >/dev/null
fi

# The compiled CLI (compiled first when dist/ is missing or older than src/).
cli() { node bin/247trader.js "$@"; }
# Our daemon, started by this script (bin/247trader.js) or by an older release (src/cli.ts).
ours() { grep -qE "bin/247trader\.js|src/cli\.ts" "/proc/$1/cmdline" 2>/dev/null; }

# Validate first: a bad config stops here with its one-line message, nothing started.
settings="$(cli config validate --json --config-dir "$config_dir")" || exit $?
field() { node -e 'const o=JSON.parse(process.argv[1]); process.stdout.write(String(o[process.argv[2]]))' "$settings" "$1"; }
hash="$(field config_hash)"
state_dir="$(field state_dir)"
log_dir="$(field log_dir)"
case "$mode_flag" in
  --dry-run) mode=DRY_RUN ;; --paper) mode=PAPER ;; --live) mode=LIVE ;; *) mode="$(field mode)" ;;
esac

mkdir -p "$log_dir" "$state_dir"
pid_file="$state_dir/daemon.pid"
log_file="$log_dir/live_$(date -u +%Y%m%dT%H%M%SZ).log"

if [ -f "$pid_file" ]; then
  old="$(cat "$pid_file")"
  if alive "$old" && ours "$old"; then
    echo "error: 247trader is already running (pid $old, $pid_file); stop it with ./stop.sh" >&2
    exit 2
  fi
  rm -f "$pid_file" # stale: its process is gone
fi

args=(run --mode "$mode" --config-dir "$config_dir" "${extra[@]}")
echo "247trader: mode $mode, config hash $hash, log $log_file"

if [ "$loop" -eq 0 ]; then
  set +e
  cli "${args[@]}" --once 2>&1 | tee -a "$log_file"
  exit "${PIPESTATUS[0]}"
fi

setsid node bin/247trader.js "${args[@]}" --loop >>"$log_file" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$pid_file"

# Wait until the daemon says it started (or died trying) so failures are reported here.
for _ in $(seq 1 100); do
  if ! alive "$pid"; then
    wait "$pid"; code=$?
    rm -f "$pid_file"
    echo "error: 247trader exited during startup (exit $code); last log lines:" >&2
    tail -n 5 "$log_file" >&2
    exit "$code"
  fi
  grep -q '"msg":"Daemon started"' "$log_file" 2>/dev/null && break
  sleep 0.1
done
echo "247trader started: pid $pid, mode $mode, config hash $hash"
echo "  log:   $log_file"
echo "  audit: $log_dir/$(field audit_file)"
echo "  stop:  ./stop.sh"
