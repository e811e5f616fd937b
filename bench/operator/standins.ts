// What bench/operator puts where kubelets and instance managers would be, so that a thousand
// Clusters reach the state a real installation spends its life in (healthy, idle) without a
// thousand PostgreSQL servers: a Pod watch that marks every instance Pod Running with an address,
// and two HTTP servers on that address answering the manager's API as a ready primary and a ready
// streaming replica, and kube-controller-manager's release of deleted PVCs. The operator cannot tell: it reconciles exactly as it would against real Pods.
import { createServer, type Server } from 'node:http';
import { randomInt } from 'node:crypto';
import { CoreV1Api, PatchStrategy, setHeaderOptions, Watch, type KubeConfig, type KubernetesObject, type V1PersistentVolumeClaim, type V1Pod } from '@kubernetes/client-node';
import type { InstanceStatus } from '../../src/instance/status.js';
import { LABELS, MANAGER_PORT } from '../../src/api/names.js';

type PodEvent = (type: 'ADDED' | 'MODIFIED' | 'DELETED', pod: V1Pod, at: number) => void;

function status(isPrimary: boolean): InstanceStatus {
  const lsn = '0/3000060';
  return {
    name: isPrimary ? 'stand-in-primary' : 'stand-in-replica',
    managerPid: process.pid,
    phase: 'running',
    postgresRunning: true,
    ready: true,
    isPrimary,
    timeLineID: 1,
    systemID: '7300000000000000001',
    ...(isPrimary ? { currentLsn: lsn } : { receivedLsn: lsn, replayLsn: lsn, isWalReceiverActive: true }),
    pendingRestart: false,
    port: 5432,
    pgdata: '/var/lib/postgresql/data/pgdata',
    replicationInfo: [],
  };
}

function listen(server: Server, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(MANAGER_PORT, host, () => resolve());
  });
}

/** Every primary Pod gets one loopback address, every replica another; one server answers each. */
export async function startManagerStandIns(): Promise<{ primaryIp: string; replicaIp: string; requests: () => number; stop(): Promise<void> }> {
  let requests = 0;
  const serve = (isPrimary: boolean) =>
    createServer((req, res) => {
      requests++;
      req.resume();
      req.on('end', () => {
        const body = req.method === 'GET' && req.url === '/pg/status' ? status(isPrimary) : {};
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
    });
  for (let attempt = 0; ; attempt++) {
    // 127.0.0.0/8 is all loopback on Linux; a random /24 keeps clear of test kubelets (127.0.0.N).
    const prefix = `127.${randomInt(100, 250)}.${randomInt(1, 250)}`;
    const primary = serve(true);
    const replica = serve(false);
    try {
      await listen(primary, `${prefix}.1`);
      await listen(replica, `${prefix}.2`);
    } catch (e) {
      primary.close();
      replica.close();
      if (attempt < 5) continue;
      throw e;
    }
    return {
      primaryIp: `${prefix}.1`,
      replicaIp: `${prefix}.2`,
      requests: () => requests,
      async stop() {
        for (const s of [primary, replica]) {
          s.closeAllConnections();
          await new Promise((r) => s.close(() => r(undefined)));
        }
      },
    };
  }
}

/** A watch that resumes where it was when the server ends it, and lists again when that position expired. */
async function watchObjects<T extends KubernetesObject>(
  kc: KubeConfig,
  path: string,
  labelSelector: string | undefined,
  list: () => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>,
  onEvent: (type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: T, at: number) => void,
): Promise<{ stop(): void }> {
  let stopped = false;
  let abort: AbortController | undefined;
  const watch = async (resourceVersion: string) => {
    let last = resourceVersion;
    abort = await new Watch(kc).watch(
      path,
      { labelSelector, resourceVersion, allowWatchBookmarks: true },
      (type: string, obj: T) => {
        const at = performance.now();
        if (obj.metadata?.resourceVersion) last = obj.metadata.resourceVersion;
        if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') onEvent(type, obj, at);
      },
      (err: unknown) => {
        if (stopped) return;
        const expired = (err as { statusCode?: number } | null)?.statusCode === 410;
        setTimeout(() => void (expired ? start() : watch(last)).catch(() => setTimeout(() => void start(), 1000)), expired ? 0 : 100);
      },
    );
  };
  const start = async () => {
    const listed = await list();
    for (const obj of listed.items) onEvent('ADDED', obj, performance.now());
    await watch(listed.metadata?.resourceVersion ?? '0');
  };
  await start();
  return {
    stop() {
      stopped = true;
      abort?.abort();
    },
  };
}

/**
 * Plays the kubelet for the namespace's instance Pods (a new Pod becomes Running at the stand-in
 * address of its role) and hands every Pod event, with the time it arrived, to `onEvent`.
 */
export async function watchInstancePods(kc: KubeConfig, namespace: string, ips: { primaryIp: string; replicaIp: string }, onEvent: PodEvent): Promise<{ stop(): void }> {
  const core = kc.makeApiClient(CoreV1Api);
  const labelSelector = `${LABELS.podRole}=instance`;
  const run = async (pod: V1Pod) => {
    const ip = pod.metadata?.labels?.[LABELS.instanceRole] === 'primary' ? ips.primaryIp : ips.replicaIp;
    const body = { status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], hostIP: '127.0.0.1', startTime: new Date(), conditions: [{ type: 'Ready', status: 'True' }] } };
    await core.patchNamespacedPodStatus({ name: pod.metadata!.name!, namespace, body }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)).catch((e: unknown) => {
      if ((e as { code?: number }).code !== 404) throw e;
    });
  };
  return watchObjects<V1Pod>(kc, `/api/v1/namespaces/${namespace}/pods`, labelSelector, () => core.listNamespacedPod({ namespace, labelSelector }), (type, pod, at) => {
    onEvent(type, pod, at);
    if (type !== 'DELETED' && !pod.status?.podIP && !pod.metadata?.deletionTimestamp) void run(pod).catch((e: unknown) => console.error(`stand-in kubelet: ${(e as Error).message}`));
  });
}

/**
 * Plays kube-controller-manager's pvc-protection controller, which is not running here: a deleted
 * PVC keeps its kubernetes.io/pvc-protection finalizer until no Pod uses it, then goes away. Every
 * PVC the operator deletes has lost its Pod first, so the finalizer is dropped at once.
 */
export async function releaseDeletedClaims(kc: KubeConfig, namespace: string): Promise<{ stop(): void }> {
  const core = kc.makeApiClient(CoreV1Api);
  return watchObjects<V1PersistentVolumeClaim>(kc, `/api/v1/namespaces/${namespace}/persistentvolumeclaims`, undefined, () => core.listNamespacedPersistentVolumeClaim({ namespace }), (type, pvc) => {
    if (type === 'DELETED' || !pvc.metadata?.deletionTimestamp || !pvc.metadata.finalizers?.length) return;
    const body = { metadata: { finalizers: null } };
    void core.patchNamespacedPersistentVolumeClaim({ name: pvc.metadata.name!, namespace, body }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)).catch((e: unknown) => {
      if ((e as { code?: number }).code !== 404) console.error(`stand-in pvc-protection: ${(e as Error).message}`);
    });
  });
}
