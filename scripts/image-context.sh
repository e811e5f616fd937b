#!/usr/bin/env bash
# Prepares the build context of the operator image (Dockerfile) in DIR, from what `npm run build`
# and `npm ci` made on this host: app/ (package.json, package-lock.json, dist/src without compiled
# tests) and node_modules without dev dependencies. Image builds run no npm (no registry access).
#
#   scripts/image-context.sh DIR
#
# Incremental, so that a layer-caching builder sees unchanged inputs as unchanged: node_modules is
# pruned again only when package-lock.json changes; app/ is replaced with file times preserved.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=${1:?usage: scripts/image-context.sh DIR}
[[ -f dist/src/platform/kubernetes/main.js ]] || { echo "image-context: dist/ is missing: run npm run build first" >&2; exit 1; }
[[ -d node_modules ]] || { echo "image-context: node_modules is missing: run npm ci first" >&2; exit 1; }
mkdir -p "$DIR"

lock_hash="$(sha256sum package-lock.json | cut -c1-16)"
if [[ "$(cat "$DIR/.node_modules.lock-hash" 2>/dev/null)" != "$lock_hash" ]]; then
  rm -rf "$DIR/node_modules" "$DIR/.node_modules.lock-hash" "$DIR/package.json" "$DIR/package-lock.json"
  cp package.json package-lock.json "$DIR/"
  # node_modules may be a symlink (worktrees share one): copy what it points to.
  cp -a "$(readlink -f node_modules)" "$DIR/node_modules"
  (cd "$DIR" && npm prune --omit=dev --offline --no-audit --no-fund --loglevel=error)
  rm "$DIR/package.json" "$DIR/package-lock.json"
  echo "$lock_hash" > "$DIR/.node_modules.lock-hash"
fi
rm -rf "$DIR/app.new"
mkdir -p "$DIR/app.new"
cp -p package.json package-lock.json "$DIR/app.new/"
tar -C . -cf - --exclude='*.test.js' --exclude='*.test.js.map' dist/src | tar -C "$DIR/app.new" -xf -
rm -rf "$DIR/app"
mv "$DIR/app.new" "$DIR/app"
