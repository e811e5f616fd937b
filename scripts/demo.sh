#!/usr/bin/env bash
# The quick-start demo: a 3-instance cluster from examples/cluster-example.yaml, ready to connect to.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cnpg() { node dist/src/cli/main.js "$@"; }

cnpg apply -f examples/cluster-example.yaml
cnpg wait --for=condition=Ready cluster/cluster-example --timeout=300s
cnpg status cluster-example
uri=$(cnpg get secret cluster-example-app -o jsonpath='{.data.uri}' | base64 -d)
cat <<MSG

The application URI (secret cluster-example-app, key uri):
  $uri

Connect:
  psql "\$(npx cnpg get secret cluster-example-app -o jsonpath='{.data.uri}' | base64 -d)"   # through -rw
  npx cnpg psql cluster-example                # psql on the primary as postgres
  npx cnpg exec cluster-example-1 -- psql -U app -d app
Look around:
  npx cnpg get pods -l cnpg.io/cluster=cluster-example -o wide
  npx cnpg get svc
Stop:
  npx cnpg delete cluster cluster-example      # stops and removes the instances
  npx cnpg operator stop                       # stops the background operator
MSG
