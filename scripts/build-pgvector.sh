#!/usr/bin/env bash
# Builds pgvector for Debian's PostgreSQL 15 and installs it where Debian's postgresql-15-pgvector
# package would (Debian 12 does not ship that package). The source is pgvector's release tag as the
# Go module proxy serves any public repository: a zip whose hash is pinned here, so what is built is
# exactly that release. test/extensions.test.ts creates the extension and runs a distance query.
#
#   scripts/build-pgvector.sh    build and install once (skipped when vector.control is installed)
#
# Root only (it installs into /usr); needs postgresql-server-dev-15, make and a C compiler.
set -euo pipefail

VERSION=v0.8.0
# h1 hash of the module zip (go.sum format), as the Go checksum database records it.
SUM='h1:x5RJHLtjkuu+gnWbg1eOSXEJiSoq11GdsRYVoa4bSek='
PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config

[ -e "$($PG_CONFIG --sharedir)/extension/vector.control" ] && exit 0
work="$(mktemp -d /tmp/pgvector-build.XXXXXX)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
info="$(GOPATH="$work/gopath" GOFLAGS=-mod=mod go mod download -json "github.com/pgvector/pgvector@$VERSION")"
got="$(printf '%s' "$info" | sed -n 's/^[[:space:]]*"Sum": "\(.*\)",\{0,1\}$/\1/p')"
if [ "$got" != "$SUM" ]; then
  echo "pgvector $VERSION: the module's hash is $got, expected $SUM" >&2
  exit 1
fi
dir="$(printf '%s' "$info" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
cp -r "$dir" "$work/src"
chmod -R u+w "$work/src"
# OPTFLAGS empty: no -march=native, so the library runs on any x86-64 machine it is copied to.
make -s -C "$work/src" PG_CONFIG="$PG_CONFIG" OPTFLAGS="" >/dev/null
make -s -C "$work/src" PG_CONFIG="$PG_CONFIG" OPTFLAGS="" install >/dev/null
echo "pgvector $VERSION installed for PostgreSQL 15" >&2
