#!/usr/bin/env bash
# Builds the `helm` CLI from Go modules into a cache outside the repository and prints its path.
# test/packaging.test.ts uses it (when present) for `helm lint` and `helm template` on charts/cnpg-ts.
#
#   scripts/build-helm.sh build   build once (skipped when the right version is there); print the path
#   scripts/build-helm.sh path    print the path it would have, without building
#
# Helm is a developer/test tool here, never shipped with cnpg-ts. Idempotent: a version stamp next
# to the binary says what was built; a lock lets parallel callers wait for one build. The module and
# build caches are removed afterwards; only the binary stays.
set -euo pipefail

NAME=helm
MODULE=helm.sh/helm/v3
PKG=helm.sh/helm/v3/cmd/helm
VERSION=v3.22.0

CACHE="${CNPG_TOOLS_CACHE:-$HOME/.cache/cnpg-ts}"
BIN="$CACHE/bin/$NAME"
STAMP="$BIN.version"

case "${1:-build}" in
  path) echo "$BIN"; exit 0 ;;
  build) ;;
  *) echo "usage: $0 build|path" >&2; exit 2 ;;
esac

fresh() { [[ -x "$BIN" && -f "$STAMP" && "$(cat "$STAMP")" == "$MODULE@$VERSION" ]]; }
if fresh; then echo "$BIN"; exit 0; fi

mkdir -p "$CACHE/bin"
exec 9>"$CACHE/bin/.$NAME.lock"
flock 9
if fresh; then echo "$BIN"; exit 0; fi

GO="$(command -v go || true)"
[[ -n "$GO" ]] || GO=/usr/local/go/bin/go
[[ -x "$GO" ]] || { echo "build-helm.sh: Go is not installed (looked in PATH and /usr/local/go/bin)" >&2; exit 1; }

WORK="$CACHE/gobuild-$NAME"
cleanup() {
  [[ -d "$WORK" ]] && chmod -R u+w "$WORK" 2>/dev/null || true
  rm -rf "$WORK"
}
cleanup
trap cleanup EXIT
mkdir -p "$WORK"

echo "build-helm.sh: building $PKG@$VERSION (a few minutes, once)..." >&2
start=$SECONDS
(
  cd "$WORK"
  export GOPATH="$WORK/gopath" GOMODCACHE="$WORK/gopath/pkg/mod" GOCACHE="$WORK/gocache" GOBIN="$WORK/bin"
  export GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local
  "$GO" install -trimpath -ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$VERSION" "$PKG@$VERSION" >&2
)
mv -f "$WORK/bin/$NAME" "$BIN.tmp"
mv -f "$BIN.tmp" "$BIN"
echo "$MODULE@$VERSION" > "$STAMP"
echo "build-helm.sh: built $BIN in $((SECONDS - start)) s" >&2
echo "$BIN"
