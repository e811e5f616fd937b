#!/usr/bin/env bash
# Builds everything a real single-node Kubernetes needs to run cnpg-ts (scripts/real-node/node.sh
# starts it; test/e2e/ and docs/install.md use it), with no Docker engine and no registry:
#
#   packages    Debian's containerd, runc, bridge CNI plugins, buildah, umoci, debootstrap, iptables…
#   kube        kubelet, kube-controller-manager, kube-scheduler, kube-proxy (and the test control
#               plane: etcd, kube-apiserver, kubectl) from tools/kube-testenv, k8s.io/kubernetes v1.36.3
#   coredns     CoreDNS from tools/coredns (only the plugins the node's Corefile uses)
#   csi         the node's storage: our CSI driver (tools/csi-hostpath: volumes and snapshots as
#               folders) and kubernetes-csi's snapshot-controller, csi-snapshotter and
#               csi-provisioner (tools/csi-sidecars, k8s v1.36.3)
#   pause       the Pods' sandbox image: a few lines of C, static
#   busybox     a busybox image from Debian's busybox-static (smoke tests, debugging Pods)
#   rootfs      Debian bookworm minbase by debootstrap
#   bases       the base images the Dockerfiles name (debian:<DEBIAN_VERSION>-slim, node:<NODE_VERSION>-bookworm-slim),
#               made from that rootfs (plus the host's Node.js, which must be that NODE_VERSION)
#   images      the project's images by `buildah bud --isolation chroot --layers` on vfs storage:
#               Dockerfile (from the context scripts/image-context.sh prepares; needs `npm run build`)
#               and Dockerfile.operand, saved as OCI archives for `ctr import`
#
#   scripts/real-node/build.sh             every step, each skipped when its result is cached
#   scripts/real-node/build.sh STEP...     only those steps
#   scripts/real-node/build.sh check       exit 0 when everything is built and the operator image holds this
#                                          checkout's dist/ (nothing built), else name what is missing
#
# Everything is cached outside the clone, under ${CNPG_TOOLS_CACHE:-$HOME/.cache/cnpg-ts}/real-node
# (Go's own caches stay where they are). Every step prints its wall time. Needs root (apt, buildah).
# One build at a time: a second call waits for the first.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

packages() {
  local p need=() have
  for p in "${!DEB_VERSIONS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
  if ((${#need[@]})); then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  for p in "${!DEB_VERSIONS[@]}"; do
    have="$(dpkg-query -W -f '${Version}' "$p")"
    have="${have#*:}"
    [[ $have == "${DEB_VERSIONS[$p]}"[~+.-]* || $have == "${DEB_VERSIONS[$p]}" ]] ||
      die "$p is $have, these scripts are written for ${DEB_VERSIONS[$p]} (Debian $DEBIAN_SUITE): update DEB_VERSIONS in scripts/real-node/lib.sh after checking it"
  done
}

kube() { bash "$ROOT/scripts/build-kube-testenv.sh" node >/dev/null; }

coredns() {
  [[ -x $COREDNS_BIN ]] && return 0
  mkdir -p "$(dirname "$COREDNS_BIN")"
  (cd "$ROOT/tools/coredns" && CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false" \
    "$GO" build -p 2 -trimpath -ldflags "-s -w" -o "$COREDNS_BIN.tmp" .)
  mv -f "$COREDNS_BIN.tmp" "$COREDNS_BIN"
}

# go_tool MODULE-DIR OUT PACKAGE: a static binary of PACKAGE built in the tool module MODULE-DIR.
go_tool() {
  local dir=$1 out=$2 pkg=$3
  [[ -x $out ]] && return 0
  mkdir -p "$(dirname "$out")"
  (cd "$dir" && CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false" \
    "$GO" build -p 2 -trimpath -ldflags "-s -w" -o "$out.tmp" "$pkg")
  mv -f "$out.tmp" "$out"
}
csi() {
  local s pkg
  for s in "${CSI_SIDECARS[@]}"; do
    case $s in
      csi-provisioner) pkg=github.com/kubernetes-csi/external-provisioner/v6/cmd/$s ;;
      *) pkg=github.com/kubernetes-csi/external-snapshotter/v8/cmd/$s ;;
    esac
    step "$s (tools/csi-sidecars)" go_tool "$ROOT/tools/csi-sidecars" "$CSI_SIDECARS_DIR/$s" "$pkg"
  done
  step "csi-hostpath (tools/csi-hostpath)" go_tool "$ROOT/tools/csi-hostpath" "$CSI_DRIVER_BIN" .
  csi_crds
}
# The snapshot.storage.k8s.io CRDs (and the group-snapshot ones the controller also watches), from
# the snapshotter's client module at the version the sidecars are built with.
csi_crds() {
  local dir
  [[ -f $CSI_SIDECARS_DIR/crd/.complete ]] && return 0
  dir="$(cd "$ROOT/tools/csi-sidecars" && GOFLAGS=-mod=mod "$GO" list -m \
    -f '{{with .Replace}}{{.Dir}}{{else}}{{.Dir}}{{end}}' github.com/kubernetes-csi/external-snapshotter/client/v8)"
  mkdir -p "$CSI_SIDECARS_DIR/crd"
  cp "$dir"/config/crd/*snapshot.storage.k8s.io_*.yaml "$CSI_SIDECARS_DIR/crd/"
  touch "$CSI_SIDECARS_DIR/crd/.complete"
}

# oci_archive NAME IMAGE-REF ROOTFS-FILLER CONFIG-ARGS...: a one-layer image made with umoci, saved
# as $IMAGES/NAME.oci.tar. The filler is a function given the rootfs folder to fill.
oci_archive() {
  local name=$1 ref=$2 fill=$3 work
  shift 3
  [[ -f $IMAGES/$name.oci.tar ]] && return 0
  work="$(mktemp -d "$IMAGES/.$name.XXXXXX")"
  umoci init --layout "$work/oci"
  umoci new --image "$work/oci:${ref##*:}"
  umoci unpack --image "$work/oci:${ref##*:}" "$work/bundle" >/dev/null
  "$fill" "$work/bundle/rootfs"
  umoci repack --image "$work/oci:${ref##*:}" "$work/bundle"
  umoci config --image "$work/oci:${ref##*:}" --architecture amd64 --os linux "$@"
  umoci gc --layout "$work/oci"
  tar -C "$work/oci" -cf "$IMAGES/.$name.oci.tar" .
  mv -f "$IMAGES/.$name.oci.tar" "$IMAGES/$name.oci.tar"
  echo "$ref" > "$IMAGES/$name.ref"
  rm -rf "$work"
}

fill_pause() {
  # registry.k8s.io/pause is out of reach: the same job (sleep; reap children; exit on TERM/INT).
  cat > "$1/../pause.c" <<'EOF'
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
static void down(int s) { (void)s; exit(0); }
static void reap(int s) { (void)s; while (waitpid(-1, NULL, WNOHANG) > 0) {} }
int main(void) {
  struct sigaction d = {.sa_handler = down}, r = {.sa_handler = reap, .sa_flags = SA_NOCLDSTOP};
  sigaction(SIGINT, &d, NULL); sigaction(SIGTERM, &d, NULL); sigaction(SIGCHLD, &r, NULL);
  for (;;) pause();
}
EOF
  gcc -Os -static -o "$1/pause" "$1/../pause.c"
  strip "$1/pause"
}
pause() { oci_archive pause "$PAUSE_IMAGE" fill_pause --config.entrypoint /pause --config.user 65535:65535; }

fill_busybox() {
  local a
  mkdir -p "$1"/{bin,tmp,etc,proc,sys,dev,root}
  cp /bin/busybox "$1/bin/busybox"
  for a in $("$1/bin/busybox" --list); do [[ $a == busybox ]] || ln -sf busybox "$1/bin/$a"; done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$1/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$1/etc/group"
}
busybox() { oci_archive busybox "$BUSYBOX_IMAGE" fill_busybox --config.cmd /bin/sh --config.env PATH=/bin; }

fill_coredns() { cp "$COREDNS_BIN" "$1/coredns"; }
coredns_image() {
  [[ -f $IMAGES/coredns.oci.tar && "$(cat "$IMAGES/coredns.ref")" == "$COREDNS_IMAGE" && $IMAGES/coredns.oci.tar -nt $COREDNS_BIN ]] ||
    rm -f "$IMAGES/coredns.oci.tar"
  oci_archive coredns "$COREDNS_IMAGE" fill_coredns --config.entrypoint /coredns --config.user 65534:65534
}

rootfs() {
  [[ -f $ROOTFS/.complete ]] && return 0
  rm -rf "$ROOTFS.tmp"
  mkdir -p "$(dirname "$ROOTFS")"
  debootstrap --variant=minbase "$DEBIAN_SUITE" "$ROOTFS.tmp" "$DEBIAN_MIRROR" >"$RN/debootstrap.log" 2>&1 ||
    die "debootstrap failed, see $RN/debootstrap.log"
  if mountpoint -q "$ROOTFS.tmp/proc"; then umount "$ROOTFS.tmp/proc"; fi
  # Debian's own images list the suite, its updates and its security archive.
  rm -f "$ROOTFS.tmp/etc/apt/sources.list"
  cat > "$ROOTFS.tmp/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $DEBIAN_MIRROR
Suites: $DEBIAN_SUITE $DEBIAN_SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${DEBIAN_MIRROR%/debian}/debian-security
Suites: $DEBIAN_SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  rm -rf "$ROOTFS.tmp"/var/cache/apt/archives/*.deb "$ROOTFS.tmp"/var/lib/apt/lists/*_* "$ROOTFS.tmp"/var/log/*.log
  touch "$ROOTFS.tmp/.complete"
  rm -rf "$ROOTFS"
  mv "$ROOTFS.tmp" "$ROOTFS"
}

# commit_from BASE REF FILLER CONFIG-ARGS...: a buildah image REF from BASE ("scratch" or an image)
# with FILLER run on its mounted rootfs.
commit_from() {
  local base=$1 ref=$2 fill=$3 c mnt
  shift 3
  bah images -q "$ref" >/dev/null 2>&1 && return 0
  c="$(bah from --pull=never "$base")"
  mnt="$(bah mount "$c")"
  "$fill" "$mnt"
  bah umount "$c" >/dev/null
  bah config "$@" "$c"
  bah commit --quiet --rm "$c" "$ref" >/dev/null
}
fill_debian() { cp -a "$ROOTFS/." "$1/" && rm -f "$1/.complete"; }
fill_node() { install -m 0755 "$(command -v node)" "$1/usr/local/bin/node"; }
bases() {
  local host_node
  host_node="$(node --version)"
  [[ $host_node == "v$NODE_VERSION" ]] ||
    die "the host's Node.js is $host_node; the operator's base image is node:$NODE_VERSION (Dockerfile ARG NODE_VERSION): install Node.js $NODE_VERSION or change the ARG"
  grep -qx "${DEBIAN_VERSION%%.*}\..*" "$ROOTFS/etc/debian_version" ||
    die "debootstrap gave Debian $(cat "$ROOTFS/etc/debian_version"), Dockerfile.operand names $DEBIAN_VERSION"
  commit_from scratch "docker.io/library/debian:$DEBIAN_VERSION-slim" fill_debian \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd bash --os linux --arch amd64
  commit_from "docker.io/library/debian:$DEBIAN_VERSION-slim" "docker.io/library/node:$NODE_VERSION-bookworm-slim" fill_node \
    --env "NODE_VERSION=$NODE_VERSION" --cmd node
}

# build_image NAME DOCKERFILE CONTEXT REF: buildah bud with cached layers; the OCI archive is
# rewritten only when the image changed.
build_image() {
  local name=$1 dockerfile=$2 context=$3 ref=$4 id
  bah bud --isolation chroot --pull=never --layers --format docker --quiet -f "$dockerfile" -t "$ref" "$context" >/dev/null
  id="$(bah images -q --no-trunc "$ref")"
  if [[ ! -f $IMAGES/$name.oci.tar || "$(cat "$IMAGES/$name.id" 2>/dev/null)" != "$id" ]]; then
    rm -f "$IMAGES/$name.oci.tar"
    bah push --quiet --disable-compression "$ref" "oci-archive:$IMAGES/.$name.oci.tar:$ref"
    mv -f "$IMAGES/.$name.oci.tar" "$IMAGES/$name.oci.tar"
    echo "$id" > "$IMAGES/$name.id"
    echo "$ref" > "$IMAGES/$name.ref"
  fi
  printf 'real-node: %s %s, %s MB\n' "$ref" "${id:7:12}" "$(($(stat -c %s "$IMAGES/$name.oci.tar") / 1000000))" >&2
}
# What of this checkout the operator image holds (the files image-context.sh copies into app/).
app_hash() {
  (cd "$ROOT" && find package.json package-lock.json dist/src -type f ! -name '*.test.js' ! -name '*.test.js.map' -print0 |
    sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
}
operator_image() {
  local hash
  hash="$(app_hash)"
  bash "$ROOT/scripts/image-context.sh" "$RN/context/operator"
  build_image operator "$ROOT/Dockerfile" "$RN/context/operator" "$OPERATOR_IMAGE"
  echo "$hash" > "$IMAGES/operator.app-hash"
}
operand_image() {
  mkdir -p "$RN/context/operand"
  build_image operand "$ROOT/Dockerfile.operand" "$RN/context/operand" "$OPERAND_IMAGE"
}
images() {
  step "operator image (buildah bud Dockerfile)" operator_image
  step "operand image (buildah bud Dockerfile.operand)" operand_image
  # vfs keeps a full copy of the tree per layer, and every code change adds one (~300 MB). Removing
  # superseded images one by one also removes the cached layers under them (buildah drops untagged
  # parents with their last child), so the store is pruned as a whole once it grows past a limit.
  if (($(du -sm "$BUILDAH_ROOT" | cut -f1) > ${REAL_NODE_BUILDAH_MAX_MB:-8000})); then
    step "prune buildah's store (next build starts cold)" bah rmi --prune
  fi
}

check() {
  local missing=() k
  for k in kubelet kube-controller-manager kube-scheduler kube-proxy kube-apiserver etcd kubectl; do
    [[ -x "$(kube_bin)/$k" ]] || missing+=("$k")
  done
  for k in "${CSI_SIDECARS[@]}"; do [[ -x $CSI_SIDECARS_DIR/$k ]] || missing+=("$k"); done
  [[ -x $CSI_DRIVER_BIN ]] || missing+=("csi-hostpath (of this checkout's tools/csi-hostpath)")
  [[ -f $CSI_SIDECARS_DIR/crd/.complete ]] || missing+=("snapshot CRDs")
  for k in pause busybox coredns operator operand; do [[ -f $IMAGES/$k.oci.tar ]] || missing+=("$k image"); done
  for k in containerd runc nsenter iptables; do command -v $k >/dev/null || missing+=("$k"); done
  [[ -x /usr/lib/cni/bridge ]] || missing+=("containernetworking-plugins")
  # Tests must run this checkout's code, not the image of an older build.
  if [[ -f $IMAGES/operator.oci.tar && "$(cat "$IMAGES/operator.app-hash" 2>/dev/null)" != "$(app_hash)" ]]; then
    missing+=("operator image of this checkout's dist/ (it holds an older build)")
  fi
  if ((${#missing[@]})); then
    echo "real-node: not built: ${missing[*]} (run: sudo scripts/real-node/build.sh)" >&2
    return 1
  fi
}

[[ ${1:-} == check ]] && { check; exit; }
need_root "scripts/real-node/build.sh"
mkdir -p "$RN" "$IMAGES"
exec 8>"$RN/.build.lock"
flock -n 8 || { echo "real-node: another build is running; waiting for it" >&2; flock 8; }

T0=$(now)
steps=("$@")
((${#steps[@]})) || steps=(packages kube coredns csi pause busybox rootfs bases images)
for s in "${steps[@]}"; do
  case $s in
    packages) step "Debian packages" packages ;;
    kube) step "kube binaries (tools/kube-testenv)" kube ;;
    coredns) step "CoreDNS $COREDNS_VERSION (tools/coredns)" coredns && step "CoreDNS image" coredns_image ;;
    csi) csi ;;
    pause) step "pause image" pause ;;
    busybox) step "busybox image" busybox ;;
    rootfs) step "debootstrap $DEBIAN_SUITE minbase" rootfs ;;
    bases) step "base images (debian, node)" bases ;;
    images) images ;;
    *) die "unknown step $s (see the header of $0)" ;;
  esac
done
printf 'real-node: %-48s %7.1f s\n' "build (total)" "$(echo "$(now) - $T0" | bc)" >&2
