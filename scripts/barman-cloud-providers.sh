#!/usr/bin/env bash
# Installs, from PyPI, the Python client libraries that Debian's barman-cloud (barman-cli-cloud)
# needs for its Azure and Google Cloud Storage providers and Debian does not package (or only as
# the 500 MB python3-azure), into a cache outside the repo, and prints the folder to put on
# PYTHONPATH for /usr/bin/python3. Used by the interoperability tests (test/objectstore-barman.ts).
#
#   scripts/barman-cloud-providers.sh build   install once (skipped when these versions are there); print the folder
#   scripts/barman-cloud-providers.sh path    print the folder, without installing
set -euo pipefail

PACKAGES=(azure-storage-blob==12.31.1 google-cloud-storage==3.17.1)

cache="${CNPG_TOOLS_CACHE:-$HOME/.cache/cnpg-ts}"
dir="$cache/python/barman-cloud-providers"
stamp="$dir.version"
case "${1:-build}" in
  path) echo "$dir"; exit 0 ;;
  build) ;;
  *) echo "usage: $0 build|path" >&2; exit 2 ;;
esac
fresh() { [[ -d "$dir" && -f "$stamp" && "$(cat "$stamp")" == "${PACKAGES[*]}" ]]; }
if fresh; then echo "$dir"; exit 0; fi
mkdir -p "$cache/python"
exec 9>"$cache/python/.barman-cloud-providers.lock"
flock 9
if fresh; then echo "$dir"; exit 0; fi

echo "$(basename "$0"): installing ${PACKAGES[*]} for barman-cloud..." >&2
rm -rf "$dir.tmp"
# Debian's Python runs barman-cloud, so its pip installs (wheels for its version), into a folder of
# our own: nothing of the system's site-packages changes.
/usr/bin/python3 -m pip install --quiet --disable-pip-version-check --no-input --only-binary=:all: --target "$dir.tmp" "${PACKAGES[@]}" >&2
rm -rf "$dir"
mv "$dir.tmp" "$dir"
echo "${PACKAGES[*]}" > "$stamp"
echo "$dir"
