#!/usr/bin/env bash
# Builds the S3-compatible server that the tests run (test/support/s3.ts), from Go modules, into a
# cache outside the repo, and prints the binary's path.
#
#   scripts/s3-server.sh build   build once (skipped when the right version is there); print the path
#   scripts/s3-server.sh path    print the path it would have, without building
#
# Why MinIO: the most widely used S3 stand-in for the clients we use (boto3 in barman-cloud, the AWS JS
# SDK v3): path-style addressing, SigV4, ListObjectsV2 pagination,
# DeleteObjects and multipart uploads all behave as on AWS, and its single-drive mode keeps objects
# on disk, so data survives a restart. Its releases are tagged RELEASE.<date>, not
# semver, so the Go proxy serves them as pseudo-versions; VERSION below is the last commit on its
# default branch (2026-02-12). It is a test tool only, never shipped with cnpg-ts.
# Cold build (empty module and build caches, CGO off, this 2-core machine): 5 min 1 s wall in all,
# i.e. 284 s of download + compile and ~15 s removing the caches; later calls return at once.
# The module and build caches are thrown away afterwards (over 1 GB); only the binary (110 MB) stays.
# Runs as `minio server --address 127.0.0.1:PORT DIR` with MINIO_ROOT_USER/MINIO_ROOT_PASSWORD.
set -euo pipefail

NAME=minio
MODULE=github.com/minio/minio
VERSION=v0.0.0-20260212201848-7aac2a2c5b7c

CACHE="${CNPG_TOOLS_CACHE:-$HOME/.cache/cnpg-ts}"
BIN="$CACHE/bin/$NAME"
STAMP="$BIN.version"

case "${1:-}" in
  path) echo "$BIN"; exit 0 ;;
  build) ;;
  *) echo "usage: $0 build|path" >&2; exit 2 ;;
esac

fresh() { [[ -x "$BIN" && -f "$STAMP" && "$(cat "$STAMP")" == "$MODULE@$VERSION" ]]; }
if fresh; then echo "$BIN"; exit 0; fi

mkdir -p "$CACHE/bin"
# Tests running in parallel may all ask for the binary at once: one builds, the others wait.
exec 9>"$CACHE/bin/.$NAME.lock"
flock 9
if fresh; then echo "$BIN"; exit 0; fi

GO="$(command -v go || true)"
[[ -n "$GO" ]] || GO=/usr/local/go/bin/go
[[ -x "$GO" ]] || { echo "s3-server.sh: Go is not installed (looked in PATH and /usr/local/go/bin)" >&2; exit 1; }

WORK="$CACHE/gobuild-$NAME"
cleanup() {
  # Go makes its module cache read-only; make it writable so it can be removed.
  [[ -d "$WORK" ]] && chmod -R u+w "$WORK" 2>/dev/null || true
  rm -rf "$WORK"
}
cleanup
trap cleanup EXIT
mkdir -p "$WORK"

echo "s3-server.sh: building $MODULE@$VERSION (a few minutes, once)..." >&2
start=$SECONDS
(
  cd "$WORK"
  export GOPATH="$WORK/gopath" GOMODCACHE="$WORK/gopath/pkg/mod" GOCACHE="$WORK/gocache" GOBIN="$WORK/bin"
  export GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local
  "$GO" install -trimpath -ldflags='-s -w' "$MODULE@$VERSION" >&2
)
mv -f "$WORK/bin/$NAME" "$BIN.tmp"
mv -f "$BIN.tmp" "$BIN"
echo "$MODULE@$VERSION" > "$STAMP"
echo "s3-server.sh: built $BIN in $((SECONDS - start)) s" >&2
echo "$BIN"
