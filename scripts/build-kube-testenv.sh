#!/usr/bin/env bash
# Builds a real Kubernetes control plane for the integration tests (test/support/controlplane.ts):
# kube-apiserver, kubectl and etcd, from the tool module tools/kube-testenv (go.mod + go.sum, no Go
# code), into ${CNPG_TOOLS_CACHE:-$HOME/.cache/cnpg-ts}/kube-testenv/<go.sum hash>/bin/, and prints
# that bin dir on stdout (progress goes to stderr). Skipped when the binaries are there; two calls
# at once are safe (one builds, the other waits on a lock). Test tools only, never shipped.
#
# Versions: k8s.io/kubernetes v1.36.3 (staging modules v0.36.3), etcd v3.6.8 (the version
# k8s 1.36.3 itself requires), Go 1.26.
# Cold build on this 2-core machine (Go build cache empty, CGO off, -p 2), measured 2026-11-23 while
# other builds shared the cores (load average 15-20): 26 min wall (etcd 347 s, kube-apiserver
# 1160 s, kubectl 55 s) for 11 min 50 s of CPU (other builds filled the shared Go build cache with
# some client-go packages at the same time); an estimate for an idle machine is 8-15 min,
# plus ~30 s to download the modules (~820 MB in ~/go/pkg/mod). Build cache afterwards: ~2.9 GB.
# A rebuild into an empty bin dir with warm Go caches: 11 s. Binaries: kube-apiserver 105 MB,
# kubectl 60 MB, etcd 27 MB.
# Go's module and build caches stay in their default places (~/go/pkg/mod, ~/.cache/go-build), so a
# rebuild on the same machine (e.g. after a go.sum bump) mostly re-links.
#
# `node` adds what a real node needs (scripts/real-node/): kubelet, kube-controller-manager,
# kube-scheduler, kube-proxy, from the same module, so every component is the same v1.36.3.
#
#   scripts/build-kube-testenv.sh          build if needed; print the bin dir
#   scripts/build-kube-testenv.sh node     also kubelet, kube-controller-manager, kube-scheduler, kube-proxy
#   scripts/build-kube-testenv.sh path     print the bin dir without building
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MODDIR="$ROOT/tools/kube-testenv"
HASH="$(sha256sum "$MODDIR/go.sum" | cut -c1-12)"
OUT="${CNPG_TOOLS_CACHE:-$HOME/.cache/cnpg-ts}/kube-testenv/$HASH"
BIN="$OUT/bin"
TOOLS=(kube-apiserver kubectl etcd)

complete() {
  local t
  for t in "${TOOLS[@]}"; do [[ -x "$BIN/$t" ]] || return 1; done
}

case "${1:-build}" in
  path) echo "$BIN"; exit 0 ;;
  build) ;;
  node) TOOLS+=(kubelet kube-controller-manager kube-scheduler kube-proxy) ;;
  *) echo "usage: $0 [build|node|path]" >&2; exit 2 ;;
esac

if complete; then echo "$BIN"; exit 0; fi

mkdir -p "$BIN"
exec 9>"$OUT/.lock"
if ! flock -n 9; then
  echo "kube-testenv: another build is running; waiting for it" >&2
  flock 9
fi
if complete; then echo "$BIN"; exit 0; fi

GO="$(command -v go || true)"
[[ -n "$GO" ]] || GO=/usr/local/go/bin/go
if [[ ! -x "$GO" ]]; then
  echo "kube-testenv: Go 1.26 or newer is required (not found in PATH or /usr/local/go/bin)" >&2
  exit 1
fi

# The k8s version comes from go.mod; it is stamped into the binaries as `hack/lib/version.sh` does,
# so the server reports it (and derives its emulation version from it) instead of v0.0.0-master.
V="$(awk '$1 == "k8s.io/kubernetes" { print $2 }' "$MODDIR/go.mod" | head -n1)"
MAJOR="${V#v}"; MAJOR="${MAJOR%%.*}"
MINOR="${V#v*.}"; MINOR="${MINOR%%.*}"
XV=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  XV+=" -X $pkg.gitVersion=$V -X $pkg.gitMajor=$MAJOR -X $pkg.gitMinor=$MINOR -X $pkg.gitTreeState=clean"
done

export CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false"
cd "$MODDIR"
start=$SECONDS
build() { # name package ldflags
  local name=$1 pkg=$2 ldflags=$3 t0=$SECONDS
  echo "kube-testenv: building $name ($pkg) into $BIN" >&2
  "$GO" build -p 2 -trimpath -ldflags "$ldflags" -o "$BIN/.$name.tmp" "$pkg" >&2
  mv -f "$BIN/.$name.tmp" "$BIN/$name"
  echo "kube-testenv: $name built in $((SECONDS - t0)) s" >&2
}
for t in "${TOOLS[@]}"; do
  [[ -x "$BIN/$t" ]] && continue
  case $t in
    etcd) build etcd go.etcd.io/etcd/server/v3 "-s -w" ;;
    *) build "$t" "k8s.io/kubernetes/cmd/$t" "-s -w$XV" ;;
  esac
done
echo "kube-testenv: $V ready in $((SECONDS - start)) s" >&2
echo "$BIN"
