#!/usr/bin/env bash
# Compiles src/ to dist/ (the installed `247trader` command): tsc with tsconfig.build.json, then the
# start-up dependencies bundled one file each into dist/vendor/ (scripts/build-vendor.ts says why), then
# every non-TypeScript file of src/ (the status page) copied beside its module. Built into a temporary
# directory and swapped in whole, under a lock, so concurrent callers never see half a dist/.
# `scripts/build.sh --if-stale` builds only when dist/ is missing or older than a source it is built from.
# dist/.build-stamp lists those sources (every file of src/, the package and tsconfig files):
# bin/247trader.js stats exactly these against the stamp's mtime (no directory walk at start).
set -euo pipefail
cd "$(dirname "$0")/.."

INPUTS=(src)
for f in package.json package-lock.json tsconfig.json tsconfig.build.json; do [ -e "$f" ] && INPUTS+=("$f"); done

stale() {
  [ -f dist/.build-stamp ] && [ -f dist/cli.js ] || return 0
  [ -n "$(find "${INPUTS[@]}" -newer dist/.build-stamp -print -quit)" ]
}

exec 9>".build.lock"
flock 9
if [ "${1:-}" = "--if-stale" ] && ! stale; then exit 0; fi
if [ ! -x node_modules/.bin/tsc ]; then
  echo "build: the TypeScript compiler is missing: run npm ci (with dev dependencies)" >&2
  exit 1
fi
tmp="$(mktemp -d dist.tmp.XXXXXX)"
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
stamp_from="$(date -u +%Y%m%d%H%M.%S)"   # sources edited during the build make the next call rebuild
node_modules/.bin/tsc -p tsconfig.build.json --outDir "$tmp"
node_modules/.bin/tsx scripts/build-vendor.ts "$tmp"
(cd src && find . -type f ! -name '*.ts' -exec cp --parents {} "../$tmp/" \;)
chmod +x "$tmp/cli.js"
find "${INPUTS[@]}" -type f > "$tmp/.build-stamp"
touch -t "$stamp_from" "$tmp/.build-stamp"
rm -rf dist.old
[ -d dist ] && mv dist dist.old
mv "$tmp" dist
rm -rf dist.old
