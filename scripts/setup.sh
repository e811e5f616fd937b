#!/usr/bin/env bash
# Installs what cnpg-ts needs on a Debian machine (PostgreSQL server, Node dependencies) and builds it.
# With --test-tools it also installs what the tests use beside it: Debian's barman-cloud tools
# (interoperability tests), Prometheus and promtool (the monitoring tests scrape a cluster with a
# real Prometheus), Chromium (the live dashboard's browser test), and from Go modules a MinIO server
# (the S3 endpoint), kube-apiserver, etcd and kubectl (the Kubernetes platform's tests) and helm
# (the chart's tests), fake-gcs-server (Google Cloud Storage), barman-cloud's Azure and Google
# libraries from PyPI, and as root the real node of the end-to-end tests with the project's images
# (scripts/real-node/build.sh).
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need_apt+=(postgresql)
command -v psql >/dev/null 2>&1 || need_apt+=(postgresql-client)
# bzip2-, xz- and zstd-compressed backups and WAL stream through these programs.
command -v bzip2 >/dev/null 2>&1 || need_apt+=(bzip2)
command -v xz >/dev/null 2>&1 || need_apt+=(xz-utils)
command -v zstd >/dev/null 2>&1 || need_apt+=(zstd)
# Poolers run Debian's PgBouncer (in /usr/sbin, outside a user's PATH).
[ -x /usr/sbin/pgbouncer ] || need_apt+=(pgbouncer)
# As root the local endpoints forward in the kernel (nftables DNAT) and cut forwarded connections
# with ss (iproute2); without root the endpoint proxy alone serves, so they are not needed.
if [ "$(id -u)" -eq 0 ]; then
  command -v nft >/dev/null 2>&1 || need_apt+=(nftables)
  command -v ss >/dev/null 2>&1 || need_apt+=(iproute2)
fi
if [ "${1:-}" = "--test-tools" ]; then
  command -v barman-cloud-backup >/dev/null 2>&1 || need_apt+=(barman-cli-cloud)
  # barman-cloud does not depend on it, and the interop tests use snappy (Debian's Python, as barman's scripts).
  /usr/bin/python3 -c 'import snappy' >/dev/null 2>&1 || need_apt+=(python3-snappy)
  # scripts/barman-cloud-providers.sh installs barman-cloud's Azure and Google libraries with Debian's Python's pip.
  /usr/bin/python3 -m pip --version >/dev/null 2>&1 || need_apt+=(python3-pip)
  command -v pgbench >/dev/null 2>&1 || need_apt+=(postgresql-contrib)
  # Failover tests hold the CPUs oversubscribed while they stall an instance.
  command -v stress-ng >/dev/null 2>&1 || need_apt+=(stress-ng)
  command -v prometheus >/dev/null 2>&1 || need_apt+=(prometheus)
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
  # test/extensions.test.ts preloads pgaudit and creates pgvector, which Debian 12 does not package:
  # scripts/build-pgvector.sh builds it (pgxs, hence the server headers) where the package would go.
  [ -e /usr/lib/postgresql/15/lib/pgaudit.so ] || need_apt+=(postgresql-15-pgaudit)
  [ -e /usr/share/postgresql/15/extension/vector.control ] || need_apt+=(postgresql-server-dev-15)
  # test/ldap.test.ts runs a directory of its own (slapd) and changes a password in it (ldapmodify).
  command -v /usr/sbin/slapd >/dev/null 2>&1 || need_apt+=(slapd)
  command -v ldapmodify >/dev/null 2>&1 || need_apt+=(ldap-utils)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${need_apt[*]} (run: sudo apt-get install -y ${need_apt[*]})" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
# Debian's packages start their own cluster on 5432 and PgBouncer on 6432; we never use them, and
# nothing of ours depends on them (poolers run PgBouncers of their own on allocated ports).
# The same holds for the prometheus package's service on 9090: tests run Prometheus on free ports.

if ! command -v node >/dev/null 2>&1; then
  echo "Node.js 20 or newer is required (https://nodejs.org or the Debian package nodejs)" >&2
  exit 1
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build
if [ "${1:-}" = "--test-tools" ]; then
  # Built from Go modules once per machine and cached outside the clone (see each script's header).
  bash scripts/s3-server.sh build >/dev/null
  # The Azure and Google Cloud Storage tests: a GCS emulator, and barman-cloud's two provider libraries.
  bash scripts/gcs-emulator.sh build >/dev/null
  bash scripts/barman-cloud-providers.sh build >/dev/null
  bash scripts/build-kube-testenv.sh >/dev/null
  bash scripts/build-helm.sh >/dev/null
  if [ "$(id -u)" -eq 0 ]; then
    bash scripts/build-pgvector.sh
  fi
  # The end-to-end tests' real node (test/e2e/): Debian's containerd, runc, CNI plugins and buildah,
  # the node's binaries, and the images built from this checkout. Root only, as the node itself.
  if [ "$(id -u)" -eq 0 ]; then
    bash scripts/real-node/build.sh
  else
    echo "not root: the real node is not built and test/e2e/ will be skipped" >&2
  fi
fi
