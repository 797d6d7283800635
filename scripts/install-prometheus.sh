#!/usr/bin/env bash
# Installs Debian's `prometheus` package (prometheus + promtool) when either binary is missing.
# The rule tests (promtool test rules) and the end-to-end drift test (a real prometheus) need them.
#
# Safe in a container without systemd: the package's post-install would start the bundled
# service through invoke-rc.d, so a policy-rc.d that denies every start (exit 101) is in place
# for the install and the previous one, if any, is restored afterwards. Recommends (node
# exporter and friends) are skipped: they are more services we do not want. Anything the
# install still left running is stopped by its pid, and the script checks none is left.
set -euo pipefail

if command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-prometheus: need root to apt-get install prometheus (or install it yourself)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
policy=/usr/sbin/policy-rc.d
backup=""
if [ -e "$policy" ]; then
  backup="$(mktemp)"
  cp -p "$policy" "$backup"
fi
restore_policy() {
  if [ -n "$backup" ]; then mv -f "$backup" "$policy"; else rm -f "$policy"; fi
}
trap restore_policy EXIT
printf '#!/bin/sh\n# installed by scripts/install-prometheus.sh for the duration of the install\nexit 101\n' >"$policy"
chmod 0755 "$policy"

# Pids of prometheus processes that already ran before the install: never touched.
before=" $(pgrep -x prometheus | tr '\n' ' ' || true) "

apt-get update -qq
apt-get install -y -qq --no-install-recommends prometheus >/dev/null

# Belt and braces: if the package's service started anyway (a host where policy-rc.d is
# ignored), stop exactly that new daemon, by pid, and nothing that ran before.
for pid in $(pgrep -x prometheus || true); do
  case "$before" in *" $pid "*) continue ;; esac
  if [ "$(stat -c %U "/proc/$pid" 2>/dev/null)" = "prometheus" ]; then
    echo "install-prometheus: stopping the packaged service the install started (pid $pid)" >&2
    kill "$pid" 2>/dev/null || true
  fi
done

command -v promtool >/dev/null
command -v prometheus >/dev/null
echo "install-prometheus: $(prometheus --version 2>&1 | head -1)"
