#!/usr/bin/env bash
# Installs whatever is missing, then typechecks, lints and runs every test (unit and integration).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test-tools
npm run --silent lint
node scripts/run-tests.mjs
