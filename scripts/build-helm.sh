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

PKG=helm.sh/helm/v3/cmd/helm
VERSION=v3.22.0

. "$(dirname "$0")/lib/go-tool.sh"
go_tool_main helm "$PKG" "$VERSION" "-s -w -X helm.sh/helm/v3/internal/version.version=$VERSION" "${1:-build}"
