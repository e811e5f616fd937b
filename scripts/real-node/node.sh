#!/usr/bin/env bash
# A real single-node Kubernetes on this machine: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kubelet on containerd + runc (cgroup v1, cgroupfs driver), kube-proxy (iptables),
# bridge CNI and CoreDNS, all inside a network namespace of its own, so nothing touches the host's
# network (addresses, routes, iptables rules and ports all live in the namespace). Storage: static
# hostPath PVs (`volumes`, storageClassName "") and dynamic CSI volumes with snapshots (StorageClass
# and VolumeSnapshotClass csi-hostpath: our driver tools/csi-hostpath with kubernetes-csi's
# csi-provisioner, csi-snapshotter and snapshot-controller). Build first with
# scripts/real-node/build.sh; needs root.
#
#   scripts/real-node/node.sh up [--name NAME] [--owner-pid PID]   start; prints the node's env lines
#   scripts/real-node/node.sh down [--name NAME]                   stop and remove everything it made
#   scripts/real-node/node.sh env                                  the running node's env lines
#   scripts/real-node/node.sh kubectl ARGS...                      kubectl against the running node
#   scripts/real-node/node.sh exec COMMAND ARGS...                 a command inside the node's network namespace (KUBECONFIG set)
#   scripts/real-node/node.sh volumes N [SIZE_GI]                  N more hostPath PersistentVolumes (and recycles Released ones)
#   scripts/real-node/node.sh status
#
# One node at a time on the machine: `up` waits (up to REAL_NODE_WAIT seconds, default 1800) while
# another runs. The slot is held by a small process that lives as long as the node's owner: with
# --owner-pid, until that process exits (a test run that dies frees the slot; the next `up` removes
# what it left), otherwise until `down`. Images stay in containerd's store between nodes (under the
# tools cache); everything else (etcd, kubelet and containerd state, Pods, volumes, PKI, logs) lives
# in the node's state folder, removed by `down`. Set REAL_NODE_KEEP_LOGS=DIR to keep the logs.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

NODE_IP=10.250.0.1
POD_CIDR=10.88.0.0/16
POD_GATEWAY=10.88.0.1
SVC_CIDR=10.96.0.0/16
DNS_IP=10.96.0.10
NODE_NAME=node1

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2; }

name=
owner=
args=()
while (($#)); do
  case $1 in
    --name) name=${2:?--name NAME}; shift 2 ;;
    --owner-pid) owner=${2:?--owner-pid PID}; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
set -- "${args[@]}"
cmd=${1:-}
(($#)) && shift

[[ -z $name || $name =~ ^[a-z0-9][a-z0-9-]{0,19}$ ]] || die "--name: '$name' is not a valid node name (1-20 of a-z, 0-9, '-', starting with a letter or digit)"

set_node() { # NAME: the paths of that node
  NAME=$1
  STATE="$RN/nodes/$NAME"
  NETNS="cnpgts-$NAME"
  CGROUP="cnpgts-$NAME"
  RUN="$STATE/run"
  LOGS="$STATE/logs"
  PKI="$STATE/pki"
  SOCK="$STATE/containerd/containerd.sock"
  KUBECONFIG_FILE="$STATE/admin.kubeconfig"
}
CURRENT="$RN/nodes/current"
KBIN="$(kube_bin)"
inns() { nsenter --net="/run/netns/$NETNS" -- "$@"; }
kc() { inns env KUBECONFIG="$KUBECONFIG_FILE" "$KBIN/kubectl" "$@"; }
ctrc() { ctr --address "$SOCK" -n k8s.io "$@"; }

# alive NAME: the process in $RUN/NAME.pid runs, is no zombie, and is still that program.
alive() {
  local p
  [[ -f $RUN/$1.pid ]] && p=$(cat "$RUN/$1.pid") && kill -0 "$p" 2>/dev/null &&
    [[ $(ps -o stat= -p "$p") != Z* ]] && tr "\\0" " " < "/proc/$p/cmdline" 2> /dev/null | grep -q -- "${2:-$1}"
}
# close_fds [KEEP]: closes every inherited descriptor above 2 (but KEEP) in the calling (sub)shell.
# Daemons must not hold a caller's descriptors: a lock held by `flock FILE node.sh up` would stay
# held for as long as the node runs.
close_fds() {
  local fd
  for fd in $(ls /proc/$BASHPID/fd); do
    ((fd > 2)) && [[ $fd != "${1:-}" ]] && eval "exec $fd>&-"
  done
  return 0
}
# start NAME COMMAND...: in the namespace, in its own session (it outlives this script), logging to $LOGS.
start() {
  local n=$1
  shift
  (close_fds && exec setsid nsenter --net="/run/netns/$NETNS" -- "$@") > "$LOGS/$n.log" 2>&1 < /dev/null &
  echo $! > "$RUN/$n.pid"
}
wait_for() { # SECONDS WHAT COMMAND...
  local s=$1 what=$2 i
  shift 2
  for ((i = 0; i < s * 5; i++)); do "$@" > /dev/null 2>&1 && return 0; sleep 0.2; done
  die "timed out after ${s}s waiting for $what (logs: $LOGS)"
}
stop() { # NAME [GRACE_SECONDS]: TERM, then KILL
  local n=$1 grace=${2:-10} p i
  alive "$n" || { rm -f "$RUN/$n.pid"; return 0; }
  p=$(cat "$RUN/$n.pid")
  kill "$p" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do alive "$n" || break; sleep 0.1; done
  if alive "$n"; then kill -9 "$p" 2>/dev/null || true; fi
  rm -f "$RUN/$n.pid"
}

netns_up() {
  ip netns add "$NETNS"
  inns ip link set lo up
  # The node's address on a veth pair inside the namespace (this kernel has no dummy driver).
  inns ip link add node0 type veth peer name node0-peer
  inns ip addr add "$NODE_IP/24" dev node0
  inns ip link set node0 up
  inns ip link set node0-peer up
  inns ip route add default dev node0
  inns sysctl -qw net.ipv4.ip_forward=1
  # Pod to Service to a Pod on the same bridge goes through kube-proxy's rules only if bridged
  # traffic passes iptables (a per-namespace setting).
  inns sysctl -qw net.bridge.bridge-nf-call-iptables=1
}

cgroups_up() { # the kubelet's --cgroup-root in every v1 hierarchy
  local c
  for c in /sys/fs/cgroup/*/; do
    [[ $c == */unified/ ]] && continue
    mkdir -p "$c$CGROUP"
  done
  cat /sys/fs/cgroup/cpuset/cpuset.cpus > "/sys/fs/cgroup/cpuset/$CGROUP/cpuset.cpus"
  cat /sys/fs/cgroup/cpuset/cpuset.mems > "/sys/fs/cgroup/cpuset/$CGROUP/cpuset.mems"
}

containerd_up() {
  mkdir -p "$CONTAINERD_ROOT" "$STATE/containerd/state" "$STATE/cni/net.d" "$STATE/cni/ipam"
  # restrict_oom_score_adj: root here lacks CAP_SYS_RESOURCE, so runc cannot lower a sandbox's
  # oom_score_adj ("can't get final child's PID from pipe: EOF"); no AppArmor in this kernel.
  containerd config default | sed \
    -e "s#^root = .*#root = \"$CONTAINERD_ROOT\"#" \
    -e "s#^state = .*#state = \"$STATE/containerd/state\"#" \
    -e "s#address = \"/run/containerd/containerd.sock\"#address = \"$SOCK\"#" \
    -e 's#bin_dir = "/opt/cni/bin"#bin_dir = "/usr/lib/cni"#' \
    -e "s#conf_dir = \"/etc/cni/net.d\"#conf_dir = \"$STATE/cni/net.d\"#" \
    -e "s#sandbox_image = .*#sandbox_image = \"$PAUSE_IMAGE\"#" \
    -e 's#disable_apparmor = false#disable_apparmor = true#' \
    -e 's#restrict_oom_score_adj = false#restrict_oom_score_adj = true#' > "$STATE/containerd/config.toml"
  cat > "$STATE/cni/net.d/10-pods.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "pods",
  "plugins": [
    {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
     "ipam": {"type": "host-local", "ranges": [[{"subnet": "$POD_CIDR", "gateway": "$POD_GATEWAY"}]],
              "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$STATE/cni/ipam"}},
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
  start containerd containerd --config "$STATE/containerd/config.toml"
  wait_for 30 containerd ctrc version
  purge_containers
}

# Containers a killed node left in containerd's store (it outlives nodes, for the images).
purge_containers() {
  local c
  for c in $(ctrc tasks ls -q 2>/dev/null); do ctrc tasks kill -s KILL "$c" > /dev/null 2>&1 || true; done
  for c in $(ctrc tasks ls -q 2>/dev/null); do ctrc tasks rm -f "$c" > /dev/null 2>&1 || true; done
  for c in $(ctrc containers ls -q 2>/dev/null); do ctrc containers rm "$c" > /dev/null 2>&1 || true; done
}

# The OCI archives build.sh made, imported when containerd does not hold that manifest yet.
import_images() {
  local a ref digest
  for a in pause busybox coredns operator operand; do
    ref="$(cat "$IMAGES/$a.ref")"
    digest="$(tar -xOf "$IMAGES/$a.oci.tar" ./index.json 2>/dev/null || tar -xOf "$IMAGES/$a.oci.tar" index.json)"
    digest="$(sed -n 's/.*"digest":"\(sha256:[0-9a-f]*\)".*/\1/p' <<< "$digest" | head -n1)"
    if ctrc images ls "name==$ref" 2>/dev/null | grep -q "$digest"; then continue; fi
    # umoci's archives name only the tag, buildah's the whole reference: --base-name covers both.
    ctrc images import --base-name "${ref%:*}" "$IMAGES/$a.oci.tar" > /dev/null
    ctrc images ls -q | grep -x "$ref" > /dev/null || die "importing $a into containerd gave no image $ref"
  done
  # ctr names what it could not name import-<date>:<tag>; the CRI would resolve images to those names.
  for ref in $(ctrc images ls -q | grep '^import-' || true); do ctrc images rm "$ref" > /dev/null; done
}

pki() {
  mkdir -p "$PKI"
  (
    cd "$PKI"
    openssl ecparam -name prime256v1 -genkey -noout -out ca.key 2> /dev/null
    openssl req -x509 -new -key ca.key -subj /CN=cnpg-ts-node-ca -days 30 -out ca.crt 2> /dev/null
    cert() { # NAME SUBJECT EXTENSIONS
      openssl ecparam -name prime256v1 -genkey -noout -out "$1.key" 2> /dev/null
      openssl req -new -key "$1.key" -subj "$2" -out "$1.csr" 2> /dev/null
      printf '%s\n' "$3" > "$1.ext"
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile "$1.ext" -out "$1.crt" 2> /dev/null
    }
    cert apiserver /CN=kube-apiserver "subjectAltName = DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local, DNS:localhost, IP:$NODE_IP, IP:127.0.0.1, IP:${SVC_CIDR%.0/*}.1
extendedKeyUsage = serverAuth"
    cert kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "extendedKeyUsage = clientAuth"
    openssl genrsa -out sa.key 2048 2> /dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2> /dev/null
  )
  local row file who group token rows=""
  for row in "admin|admin|system:masters" "kubelet|system:node:$NODE_NAME|system:nodes" \
    "kcm|system:kube-controller-manager|" "scheduler|system:kube-scheduler|" "kube-proxy|system:kube-proxy|"; do
    IFS='|' read -r file who group <<< "$row"
    token="$(openssl rand -hex 16)"
    rows+="$token,$who,$file-uid${group:+,$group}"$'\n'
    cat > "$STATE/$file.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $NAME
  cluster: {server: "https://$NODE_IP:6443", certificate-authority: $PKI/ca.crt}
users:
- name: $file
  user: {token: $token}
contexts:
- name: $NAME
  context: {cluster: $NAME, user: $file}
current-context: $NAME
EOF
    chmod 600 "$STATE/$file.kubeconfig"
  done
  printf '%s' "$rows" > "$PKI/tokens.csv"
  chmod 600 "$PKI/tokens.csv"
}

control_plane() {
  mkdir -p "$STATE/etcd" && chmod 700 "$STATE/etcd"
  start etcd "$KBIN/etcd" --data-dir="$STATE/etcd" --name=node \
    --listen-client-urls=http://127.0.0.1:2379 --advertise-client-urls=http://127.0.0.1:2379 \
    --listen-peer-urls=http://127.0.0.1:2380 --initial-advertise-peer-urls=http://127.0.0.1:2380 \
    --initial-cluster=node=http://127.0.0.1:2380 --unsafe-no-fsync --log-level=warn
  wait_for 60 etcd inns curl -fsS http://127.0.0.1:2379/health
  start kube-apiserver "$KBIN/kube-apiserver" \
    --etcd-servers=http://127.0.0.1:2379 --bind-address=0.0.0.0 --advertise-address="$NODE_IP" --secure-port=6443 \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" --token-auth-file="$PKI/tokens.csv" \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --service-cluster-ip-range="$SVC_CIDR" \
    --kubelet-client-certificate="$PKI/kubelet-client.crt" --kubelet-client-key="$PKI/kubelet-client.key" \
    --kubelet-preferred-address-types=InternalIP --allow-privileged=true
  wait_for 120 kube-apiserver kc get --raw /readyz
  start kube-controller-manager "$KBIN/kube-controller-manager" \
    --kubeconfig="$STATE/kcm.kubeconfig" --authentication-kubeconfig="$STATE/kcm.kubeconfig" --authorization-kubeconfig="$STATE/kcm.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=10257 --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --service-cluster-ip-range="$SVC_CIDR" --cluster-cidr="$POD_CIDR" --allocate-node-cidrs=false
  start kube-scheduler "$KBIN/kube-scheduler" \
    --kubeconfig="$STATE/scheduler.kubeconfig" --authentication-kubeconfig="$STATE/scheduler.kubeconfig" --authorization-kubeconfig="$STATE/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=10259 --leader-elect=false
}

# The kubelet sets kernel tunables it wants (vm.overcommit_memory=1, kernel.panic=10,
# kernel.panic_on_oops=1, …), which are machine-wide: it runs in a mount namespace of its own where
# those /proc/sys files read as already set, so the host's stay as they are. Its root folder is a
# shared mount, so the volumes it mounts there are seen by containerd and runc on the host.
KERNEL_TUNABLES=(vm/overcommit_memory=1 vm/panic_on_oom=0 kernel/panic=10 kernel/panic_on_oops=1
  kernel/keys/root_maxkeys=1000000 kernel/keys/root_maxbytes=25000000)
kubelet_up() {
  local t binds=""
  mkdir -p "$STATE/kubelet/root" "$STATE/kubelet/pki" "$STATE/kubelet/pod-logs" "$STATE/kubelet/manifests" "$STATE/sysctl"
  for t in "${KERNEL_TUNABLES[@]}"; do
    mkdir -p "$STATE/sysctl/$(dirname "${t%%=*}")"
    echo "${t#*=}" > "$STATE/sysctl/${t%%=*}"
    binds+="mount --bind $STATE/sysctl/${t%%=*} /proc/sys/${t%%=*} && "
  done
  mount --bind "$STATE/kubelet/root" "$STATE/kubelet/root"
  mount --make-rshared "$STATE/kubelet/root"
  : > "$STATE/kubelet/resolv.conf"
  cat > "$STATE/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false            # cgroup v1 host
cgroupDriver: cgroupfs         # no systemd; containerd 1.6 has no RuntimeConfig call, so this one is used
cgroupRoot: /$CGROUP
cgroupsPerQOS: true
enforceNodeAllocatable: [pods]
failSwapOn: false
containerRuntimeEndpoint: unix://$SOCK
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
podLogsDir: $STATE/kubelet/pod-logs
staticPodPath: $STATE/kubelet/manifests
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
clusterDomain: cluster.local
clusterDNS: [$DNS_IP]
resolvConf: $STATE/kubelet/resolv.conf   # no upstream DNS inside the namespace
imageGCHighThresholdPercent: 100         # the images are imported, never pulled: never collect them
evictionHard: {nodefs.available: "2%", imagefs.available: "2%", memory.available: "100Mi"}
serializeImagePulls: false
EOF
  start kubelet unshare --mount --propagation unchanged -- sh -c "${binds}exec \"\$0\" \"\$@\"" \
    "$KBIN/kubelet" --config="$STATE/kubelet/config.yaml" --kubeconfig="$STATE/kubelet.kubeconfig" \
    --hostname-override="$NODE_NAME" --node-ip="$NODE_IP" --root-dir="$STATE/kubelet/root" --cert-dir="$STATE/kubelet/pki" -v=1
  wait_for 120 "node $NODE_NAME Ready" kc wait --for=condition=Ready "node/$NODE_NAME" --timeout=1s
}

kube_proxy_up() {
  start kube-proxy "$KBIN/kube-proxy" --kubeconfig="$STATE/kube-proxy.kubeconfig" --hostname-override="$NODE_NAME" \
    --proxy-mode=iptables --cluster-cidr="$POD_CIDR" --metrics-bind-address=127.0.0.1:10249 \
    --healthz-bind-address=127.0.0.1:10256 --conntrack-max-per-core=0 \
    --conntrack-tcp-timeout-established=0 --conntrack-tcp-timeout-close-wait=0
  wait_for 60 "kube-proxy /healthz" inns curl -fsS http://127.0.0.1:10256/healthz
}

coredns_up() {
  sed -e "s#@IMAGE@#$COREDNS_IMAGE#" -e "s#@DNS_IP@#$DNS_IP#" "$ROOT/scripts/real-node/coredns.yaml" | kc apply -f - > /dev/null
  # (a one-replica Deployment is "Available" with no Pod ready: wait for the rollout)
  kc -n kube-system rollout status deploy/coredns --timeout=120s > /dev/null
}

# CSI: the driver and the sidecars run as host processes in the namespace, like the control plane
# (there is no registry to pull their images from). The driver registers itself with the kubelet
# through its plugins_registry folder; volumes and snapshots are folders under $STATE/csi/data.
CSI_SIDECAR_TIMEOUT=5m   # a CreateSnapshot or a restore copies the whole volume before it answers
csi_up() {
  local f
  for f in "$CSI_SIDECARS_DIR"/crd/*.yaml; do kc apply --server-side -f "$f" > /dev/null; done
  kc wait --for=condition=Established --timeout=60s crd/volumesnapshots.snapshot.storage.k8s.io \
    crd/volumesnapshotcontents.snapshot.storage.k8s.io crd/volumesnapshotclasses.snapshot.storage.k8s.io > /dev/null
  mkdir -p "$STATE/csi/data"
  start csi-hostpath "$CSI_DRIVER_BIN" --driver-name="$CSI_DRIVER" --endpoint="$STATE/csi/csi.sock" \
    --state-dir="$STATE/csi/data" --node-id="$NODE_NAME" --registration-dir="$STATE/kubelet/root/plugins_registry"
  start snapshot-controller "$CSI_SIDECARS_DIR/snapshot-controller" --kubeconfig="$KUBECONFIG_FILE" --leader-election=false
  start csi-snapshotter "$CSI_SIDECARS_DIR/csi-snapshotter" --kubeconfig="$KUBECONFIG_FILE" \
    --csi-address="$STATE/csi/csi.sock" --leader-election=false --timeout="$CSI_SIDECAR_TIMEOUT"
  start csi-provisioner "$CSI_SIDECARS_DIR/csi-provisioner" --kubeconfig="$KUBECONFIG_FILE" \
    --csi-address="$STATE/csi/csi.sock" --leader-election=false --timeout="$CSI_SIDECAR_TIMEOUT"
  kc apply -f - > /dev/null <<EOF
apiVersion: storage.k8s.io/v1
kind: CSIDriver
metadata: {name: $CSI_DRIVER}
spec:
  attachRequired: false         # nothing to attach: NodePublishVolume bind-mounts a folder
  podInfoOnMount: false
  fsGroupPolicy: File           # the kubelet hands a new volume to the Pod's fsGroup
  volumeLifecycleModes: [Persistent]
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: csi-hostpath}
provisioner: $CSI_DRIVER
reclaimPolicy: Delete
volumeBindingMode: Immediate    # one node: nothing to wait for
allowVolumeExpansion: false     # folders have no size to grow
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshotClass
metadata: {name: csi-hostpath}
driver: $CSI_DRIVER
deletionPolicy: Delete
EOF
  wait_for 60 "the kubelet to register $CSI_DRIVER" csi_registered
}
csi_registered() { kc get csinode "$NODE_NAME" -o jsonpath='{.spec.drivers[*].name}' | grep -qw "$CSI_DRIVER"; }

write_env() {
  cat > "$STATE/node.env" <<EOF
REAL_NODE_NAME=$NAME
REAL_NODE_NETNS=$NETNS
REAL_NODE_IP=$NODE_IP
REAL_NODE_STATE=$STATE
KUBECONFIG=$KUBECONFIG_FILE
KUBE_BIN=$KBIN
OPERATOR_IMAGE=$OPERATOR_IMAGE
OPERAND_IMAGE=$OPERAND_IMAGE
BUSYBOX_IMAGE=$BUSYBOX_IMAGE
CSI_DRIVER=$CSI_DRIVER
STORAGE_CLASS=csi-hostpath
VOLUME_SNAPSHOT_CLASS=csi-hostpath
EOF
}

up() {
  need_root "node.sh up"
  bash "$ROOT/scripts/real-node/build.sh" check || exit 1
  set_node "${name:-tryout}"
  mkdir -p "$RN/nodes"
  exec 9> "$RN/nodes/.slot.lock"
  if ! flock -n 9; then
    echo "real-node: waiting for the node '$(cat "$CURRENT" 2> /dev/null)' to stop (one node at a time)" >&2
    flock -w "${REAL_NODE_WAIT:-1800}" 9 || die "another real node still runs after ${REAL_NODE_WAIT:-1800}s: $(cat "$CURRENT" 2> /dev/null)"
  fi
  # Holding the slot means whoever started the recorded node is gone: remove what it left.
  if [[ -f $CURRENT ]]; then
    echo "real-node: removing the node '$(cat "$CURRENT")' a stopped run left behind" >&2
    (set_node "$(cat "$CURRENT")" && down_node)
  fi
  [[ -e /run/netns/$NETNS || -d $STATE ]] && (down_node)
  mkdir -p "$RUN" "$LOGS"
  echo "$NAME" > "$CURRENT"
  if [[ -n $owner ]]; then
    kill -0 "$owner" 2> /dev/null || die "--owner-pid $owner: no such process"
    (close_fds 9 && exec setsid sh -c 'while kill -0 "$0" 2>/dev/null; do sleep 1; done' "$owner") < /dev/null > /dev/null 2>&1 &
  else
    (close_fds 9 && exec setsid sleep infinity) < /dev/null > /dev/null 2>&1 &
  fi
  echo $! > "$RUN/slot.pid"
  exec 9>&-
  trap 'up_failed' EXIT

  local t0
  t0=$(now)
  step "network namespace $NETNS" netns_up
  step "cgroup root /$CGROUP" cgroups_up
  step "containerd" containerd_up
  step "images into containerd" import_images
  step "PKI and kubeconfigs" pki
  step "etcd, kube-apiserver, controller-manager, scheduler" control_plane
  step "kubelet: node Ready" kubelet_up
  step "kube-proxy" kube_proxy_up
  step "CoreDNS" coredns_up
  step "CSI driver, snapshot controller, StorageClass" csi_up
  write_env
  trap - EXIT
  printf 'real-node: %-48s %7.1f s\n' "node $NAME up" "$(echo "$(now) - $t0" | bc)" >&2
  cat "$STATE/node.env"
}

up_failed() {
  local keep=${REAL_NODE_KEEP_LOGS:-$RN/nodes/failed-$NAME}
  echo "real-node: up failed; taking the node down (its logs: $keep)" >&2
  REAL_NODE_KEEP_LOGS=$keep down_node
}

down_node() {
  local n f p i mnt netnses=()
  [[ -d $STATE ]] || { ip netns del "$NETNS" 2> /dev/null || true; return 0; }
  mkdir -p "$RUN"
  for n in csi-provisioner csi-snapshotter snapshot-controller kube-controller-manager kube-scheduler kubelet csi-hostpath \
    kube-proxy kube-apiserver etcd; do stop "$n" 5; done
  # The Pods' sandboxes' namespaces, then their containers, while containerd still answers.
  for f in "$STATE"/containerd/state/io.containerd.runtime.v2.task/k8s.io/*/config.json; do
    [[ -f $f ]] || continue
    n="$(grep -o '/var/run/netns/cni-[0-9a-f-]*' "$f" | head -n1 || true)"
    [[ -n $n ]] && netnses+=("${n##*/}")
  done
  if alive containerd; then purge_containers; fi
  stop containerd 5
  # Shims and container processes a killed containerd left running.
  for f in "$STATE"/containerd/state/io.containerd.runtime.v2.task/k8s.io/*/{init,shim}.pid; do
    [[ -f $f ]] && p=$(cat "$f") && [[ -n $p ]] && kill -9 "$p" 2> /dev/null || true
  done
  for ((i = 0; i < 20; i++)); do
    p="$(cat /sys/fs/cgroup/pids/"$CGROUP"/cgroup.procs /sys/fs/cgroup/pids/"$CGROUP"/*/cgroup.procs /sys/fs/cgroup/pids/"$CGROUP"/*/*/cgroup.procs /sys/fs/cgroup/pids/"$CGROUP"/*/*/*/cgroup.procs 2> /dev/null || true)"
    [[ -z $p ]] && break
    kill -9 $p 2> /dev/null || true
    sleep 0.2
  done
  for n in "${netnses[@]}"; do ip netns del "$n" 2> /dev/null || true; done
  # Mounts under the state folder: kubelet volumes and its shared root, containerd rootfs and shm.
  while read -r mnt; do umount "$mnt" 2> /dev/null || umount -l "$mnt" 2> /dev/null || true; done < <(
    awk -v s="$STATE" '$5 == s || index($5, s "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r)
  ip netns del "$NETNS" 2> /dev/null || true
  for f in /sys/fs/cgroup/*/"$CGROUP"; do
    [[ -d $f ]] && for ((i = 0; i < 10; i++)); do find "$f" -depth -type d -exec rmdir {} + 2> /dev/null && break; sleep 0.3; done
  done
  if [[ -n ${REAL_NODE_KEEP_LOGS:-} ]]; then mkdir -p "$REAL_NODE_KEEP_LOGS" && cp -r "$LOGS/." "$REAL_NODE_KEEP_LOGS/" 2> /dev/null || true; fi
  p="$(cat "$RUN/slot.pid" 2> /dev/null || true)"
  rm -rf "$STATE"
  [[ "$(cat "$CURRENT" 2> /dev/null)" == "$NAME" ]] && rm -f "$CURRENT"
  # The slot holder last: the next node may start once it is gone.
  [[ -n $p ]] && kill "$p" 2> /dev/null || true
  return 0
}

running() { [[ -f $CURRENT ]] || die "no real node is up (start one: sudo scripts/real-node/node.sh up)"; set_node "$(cat "$CURRENT")"; }

volumes() { # N [SIZE_GI]
  local n=${1:?volumes N [SIZE_GI]} size=${2:-1} pv i next
  running
  for pv in $(kc get pv -o jsonpath='{range .items[?(@.status.phase=="Released")]}{.metadata.name}{"\n"}{end}'); do
    [[ $pv =~ ^pv-[0-9]+$ ]] || continue # only ours: the CSI provisioner deletes its own
    kc delete pv "$pv" --wait=true > /dev/null
    rm -rf "${STATE:?}/pv/$pv"
  done
  next=$(($(kc get pv -o name | sed -n 's#^persistentvolume/pv-##p' | sort -n | tail -n1) + 1))
  for ((i = next; i < next + n; i++)); do
    mkdir -p "$STATE/pv/pv-$i"
    chmod 0777 "$STATE/pv/pv-$i"
    cat <<EOF
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv-$i}
spec:
  capacity: {storage: ${size}Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: ""
  hostPath: {path: $STATE/pv/pv-$i, type: Directory}
---
EOF
  done | kc apply -f - > /dev/null
}

status() {
  local n
  [[ -f $CURRENT ]] || { echo "no real node is up"; return 0; }
  set_node "$(cat "$CURRENT")"
  echo "node $NAME (state $STATE, network namespace $NETNS)"
  for n in containerd etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy \
    csi-hostpath csi-provisioner csi-snapshotter snapshot-controller; do
    if alive "$n"; then printf '  %-24s pid %s\n' "$n" "$(cat "$RUN/$n.pid")"; else printf '  %-24s not running\n' "$n"; fi
  done
}

case $cmd in
  up) up ;;
  down)
    need_root "node.sh down"
    if [[ -n $name ]]; then set_node "$name"; elif [[ -f $CURRENT ]]; then set_node "$(cat "$CURRENT")"; else exit 0; fi
    down_node ;;
  env) running; cat "$STATE/node.env" ;;
  kubectl) running; kc "$@" ;;
  exec) running; inns env KUBECONFIG="$KUBECONFIG_FILE" PATH="$KBIN:$CACHE/bin:$PATH" "$@" ;;
  volumes) volumes "$@" ;;
  status) status ;;
  *) usage ;;
esac
