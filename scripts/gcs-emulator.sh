#!/usr/bin/env bash
# Builds the Google Cloud Storage emulator the tests run (test/support/gcs.ts), fsouza's
# fake-gcs-server, from Go modules into a cache outside the repo, and prints the binary's path.
#
#   scripts/gcs-emulator.sh build   build once (skipped when the right version is there); print the path
#   scripts/gcs-emulator.sh path    print the path it would have, without building
#
# It serves the JSON API (uploads simple, multipart and resumable; listing; deletes) that both our
# store and barman-cloud's google-cloud-storage client use. A test tool only, never shipped.
set -euo pipefail

MODULE=github.com/fsouza/fake-gcs-server
VERSION=v1.56.1

. "$(dirname "$0")/lib/go-tool.sh"
go_tool_main fake-gcs-server "$MODULE" "$VERSION" '-s -w' "${1:-}"
