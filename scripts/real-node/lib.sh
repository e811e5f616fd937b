# Sourced by scripts/real-node/*.sh: pinned versions, where things live, and small helpers.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${CNPG_TOOLS_CACHE:-$HOME/.cache/cnpg-ts}"
RN="$CACHE/real-node"

# Debian bookworm's own packages: the suite pins them (stable only gets security fixes); the checks
# in build.sh fail when a package's upstream version is not the one these scripts were written for.
DEBIAN_SUITE=bookworm
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
declare -A DEB_VERSIONS=(
  [containerd]=1.6.20 [runc]=1.1.5 [containernetworking-plugins]=1.1.1 [umoci]=0.4.7
  [buildah]=1.28.2 [busybox-static]=1.35.0 [debootstrap]=1.0.128 [iptables]=1.8.9 [socat]=1.7.4.4
)

# The base images the Dockerfiles name, made locally (no registry here): debootstrap's bookworm
# minbase, plus the host's Node.js for the operator's base. NODE_VERSION and DEBIAN_VERSION are the
# Dockerfiles' own ARG defaults, so the stand-ins carry exactly the names the Dockerfiles ask for.
dockerfile_arg() { sed -n "s/^ARG $2=//p" "$ROOT/$1" | head -n1; }
NODE_VERSION="$(dockerfile_arg Dockerfile NODE_VERSION)"
DEBIAN_VERSION="$(dockerfile_arg Dockerfile.operand DEBIAN_VERSION)"
PKG_VERSION="$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$ROOT/package.json" | head -n1)"
OPERATOR_IMAGE="ghcr.io/cnpg-ts/cnpg-ts:$PKG_VERSION"
OPERAND_IMAGE="ghcr.io/cnpg-ts/postgresql:15-$PKG_VERSION"
PAUSE_IMAGE=localhost/cnpg-ts/pause:1
BUSYBOX_IMAGE=localhost/cnpg-ts/busybox:1
COREDNS_VERSION="$(awk '$1 == "require" && $2 == "github.com/coredns/coredns" { print $3 }' "$ROOT/tools/coredns/go.mod")"
COREDNS_IMAGE="localhost/cnpg-ts/coredns:${COREDNS_VERSION#v}"

COREDNS_BIN="$RN/coredns/$(sha256sum "$ROOT/tools/coredns/go.sum" | cut -c1-12)/coredns"
# The CSI driver (our own, tools/csi-hostpath) and the sidecars that drive it (tools/csi-sidecars).
CSI_SIDECARS_DIR="$RN/csi-sidecars/$(sha256sum "$ROOT/tools/csi-sidecars/go.sum" | cut -c1-12)"
CSI_SIDECARS=(snapshot-controller csi-snapshotter csi-provisioner)
CSI_DRIVER_BIN="$RN/csi-hostpath/$(find "$ROOT/tools/csi-hostpath" -maxdepth 1 -type f ! -name '*_test.go' -print0 |
  sort -z | xargs -0 cat | sha256sum | cut -c1-12)/csi-hostpath"
CSI_DRIVER=csi-hostpath.cnpg-ts   # the driver's name; the StorageClass and VolumeSnapshotClass are csi-hostpath
ROOTFS="$RN/rootfs/$DEBIAN_SUITE-minbase"
IMAGES="$RN/images"           # OCI archives ready for `ctr import`, with their manifest digests
BUILDAH_ROOT="$RN/buildah"     # buildah's vfs storage: base images and cached layers
CONTAINERD_ROOT="$RN/containerd"   # containerd's content store: images survive from node to node
GO="$(command -v go || echo /usr/local/go/bin/go)"

now() { date +%s.%N; }
# step NAME COMMAND...: runs it and prints its wall time (stderr), so every run shows where time goes.
step() {
  local name=$1 t0
  shift
  t0=$(now)
  echo "real-node: $name ..." >&2
  "$@"
  printf 'real-node: %-48s %7.1f s\n' "$name" "$(echo "$(now) - $t0" | bc)" >&2
}
die() { echo "real-node: $*" >&2; exit 1; }
need_root() { [[ $(id -u) -eq 0 ]] || die "$1 needs root (containerd, network namespaces, cgroups, mounts)"; }
kube_bin() { bash "$ROOT/scripts/build-kube-testenv.sh" path; }
bah() { buildah --root "$BUILDAH_ROOT/root" --runroot "$BUILDAH_ROOT/runroot" --storage-driver vfs "$@"; }
