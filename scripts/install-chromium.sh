#!/usr/bin/env bash
# Installs Debian's `chromium` when /usr/bin/chromium is missing. The status page's browser
# test (test/status/page.browser.test.ts) drives it through playwright-core, which downloads no
# browser of its own. Recommends (fonts, drivers, desktop integration) are skipped: headless
# rendering needs none of them.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-chromium: need root to apt-get install chromium (or install it yourself)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null

test -x /usr/bin/chromium
echo "install-chromium: $(/usr/bin/chromium --version 2>/dev/null | head -1)"
