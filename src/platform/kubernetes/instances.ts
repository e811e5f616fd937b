// Instances as Pods: one PVC (two with walStorage), one Pod and one spec Secret each. The instance
// manager in the Pod is reached on the Pod's IP; it reads its spec from the mounted Secret at start
// and receives later ones over its HTTP API at once (the kubelet's Secret sync is only a backstop).
import { randomBytes } from 'node:crypto';
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { Cluster } from '../../api/index.js';
import type { BackupReport, BackupRequest } from '../../instance/base-backup.js';
import { ISOLATION_CHECK_MS, ISOLATION_STOP_MS, ISOLATION_TIMEOUT_MS, hashWithPeers, peersKey } from '../../instance/isolation.js';
import type { Credentials, InstanceSpec } from '../../instance/spec.js';
import type { InstanceStatus } from '../../instance/status.js';
import { credentialsHash } from '../../operator/credentials.js';
import { configHash } from '../../operator/instance-config.js';
import { statusErrorOf } from '../../operator/status-error.js';
import type { ClusterCredentials, InstanceRuntime } from '../../operator/platform.js';
import type { InstanceConfig, ObservedInstance } from '../../operator/types.js';
import { ANNOTATIONS, LABELS, MANAGER_PORT, POSTGRES_PORT, instancePod, instancePvc, instanceServiceAccount, managerSecret, managerSecretName } from './specs.js';
import type { KubeStore } from './store.js';
import { setTimeout as sleep } from 'node:timers/promises';

const HTTP_TIMEOUT_MS = 1000;
/** Clock steps and scheduling on a busy node, on top of the manager's own bound. */
const ISOLATION_MARGIN_MS = 1000;

export interface KubeInstancesOptions {
  /** Operand image for Clusters that name none. */
  defaultImage: string;
  defaultMajor: number;
  /** How instance managers reach the API server, for their isolation check. */
  controlPlaneUrl: string;
}

/** The peers an instance manager was last told of, on its PVC next to the hashes. */
const PEERS_ANNOTATION = 'cnpg.io/peers';

/** The other instances' managers, by Pod IP: a Pod has one only once it runs, and a new one when recreated. */
function peersOf(pods: V1Pod[], name: string): InstanceSpec['peers'] {
  return pods
    .filter((p) => p.metadata?.name !== name && p.status?.podIP)
    .map((p) => ({ name: p.metadata!.name!, host: p.status!.podIP!, statusPort: MANAGER_PORT }));
}

/** The client hands timestamps over as Dates or, from some paths, as strings. */
function toIso(t: Date | string | undefined): string | undefined {
  return t === undefined ? undefined : new Date(t).toISOString();
}

export class KubeInstances implements InstanceRuntime {
  private readonly core: CoreV1Api;

  constructor(
    kc: KubeConfig,
    private readonly store: KubeStore,
    private readonly o: KubeInstancesOptions,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  defaultMajor(): number {
    return this.o.defaultMajor;
  }

  private async pods(cluster: Cluster): Promise<V1Pod[]> {
    return (await this.store.list('Pod', cluster.metadata.namespace ?? 'default', { [LABELS.cluster]: cluster.metadata.name, [LABELS.podRole]: 'instance' })) as V1Pod[];
  }

  private async pod(cluster: Cluster, name: string): Promise<V1Pod | undefined> {
    return (await this.store.get('Pod', cluster.metadata.namespace, name)) as V1Pod | undefined;
  }

  private async call<T>(pod: V1Pod, method: 'GET' | 'POST' | 'PUT', path: string, token: string | undefined, body?: unknown, timeoutMs = HTTP_TIMEOUT_MS): Promise<T | null> {
    const ip = pod.status?.podIP;
    if (!ip) throw new Error(`pod ${pod.metadata?.name} has no IP yet`);
    const res = await fetch(`http://${ip}:${MANAGER_PORT}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.status === 404 && method === 'GET') return null;
    if (!res.ok) throw new Error(`${pod.metadata?.name} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  private async token(cluster: Cluster, name: string): Promise<string | undefined> {
    const secret = await this.store.get('Secret', cluster.metadata.namespace, managerSecretName(name));
    const data = secret?.data?.token;
    return data ? Buffer.from(data, 'base64').toString() : undefined;
  }

  /**
   * An instance is its data PVC, as in CloudNativePG: a Pod that is gone (deleted, evicted) is an
   * instance that is not running, to be started again on the same volume.
   */
  async observe(cluster: Cluster): Promise<ObservedInstance[]> {
    const ns = cluster.metadata.namespace ?? 'default';
    const [pods, pvcs] = await Promise.all([
      this.pods(cluster),
      this.store.list('PersistentVolumeClaim', ns, { [LABELS.cluster]: cluster.metadata.name, [LABELS.pvcRole]: 'PG_DATA' }),
    ]);
    const byName = new Map(pods.map((p) => [p.metadata!.name!, p]));
    return Promise.all(
      // A PVC being deleted (its Pod gone, a finalizer holding it) is an instance scaled away: were
      // it observed, its "stopped" instance would get a new Pod on the claim it is losing.
      pvcs.filter((pvc) => !pvc.metadata.deletionTimestamp).map(async (pvc) => {
        const name = pvc.metadata!.name!;
        const pod = byName.get(name);
        // The hashes live on the PVC: they must outlive a deleted Pod like the data does.
        const annotations = pvc.metadata?.annotations ?? {};
        const container = pod?.status?.containerStatuses?.find((c) => c.name === 'postgres');
        // The manager is the container's first process: with it gone, so is its PostgreSQL.
        const running = pod?.status?.phase === 'Running' && Boolean(pod.status.podIP) && !pod.metadata?.deletionTimestamp && (container === undefined || container.state?.running !== undefined);
        const observed: ObservedInstance = {
          name,
          serial: Number(pvc.metadata?.annotations?.[ANNOTATIONS.serial] ?? 0),
          running,
          configHash: hashWithPeers(annotations[ANNOTATIONS.configHash], annotations[PEERS_ANNOTATION], peersOf(pods, name)),
          credentialsHash: annotations[ANNOTATIONS.credentialsHash],
          role: pod?.metadata?.labels?.[LABELS.instanceRole] === 'primary' ? 'primary' : 'replica',
          managerStartedAt: toIso(container?.state?.running?.startedAt),
        };
        if (!running || !pod) return observed;
        try {
          observed.status = (await this.call<InstanceStatus>(pod, 'GET', '/pg/status', undefined)) ?? undefined;
        } catch (e) {
          Object.assign(observed, statusErrorOf(e));
        }
        return observed;
      }),
    );
  }

  /** The full spec the manager runs with; addresses are the Pods' own, as no DNS is assumed. */
  private async instanceSpec(cluster: Cluster, name: string, serial: number, config: InstanceConfig, generation: number): Promise<InstanceSpec> {
    const pods = await this.pods(cluster);
    let primary: InstanceSpec['primary'];
    if (config.primaryName) {
      const ip = pods.find((p) => p.metadata?.name === config.primaryName)?.status?.podIP;
      if (!ip) throw new Error(`primary ${config.primaryName} has no Pod IP yet`);
      primary = { name: config.primaryName, host: ip, port: POSTGRES_PORT };
    }
    const { primaryName: _primaryName, ...rest } = config;
    return {
      ...rest,
      namespace: cluster.metadata.namespace ?? 'default',
      cluster: cluster.metadata.name,
      name,
      serial,
      generation,
      binDir: `/usr/lib/postgresql/${config.major}/bin`,
      osUser: 'postgres',
      pgPort: POSTGRES_PORT,
      statusPort: MANAGER_PORT,
      primary,
      peers: peersOf(pods, name),
      controlPlaneUrl: this.o.controlPlaneUrl,
      listenAddress: '*',
      isolationTimeoutMs: ISOLATION_TIMEOUT_MS,
    };
  }

  /** Writes the spec Secret (mounted by the Pod) and returns what was written. */
  private async writeSpec(cluster: Cluster, name: string, serial: number, config: InstanceConfig, creds: ClusterCredentials): Promise<{ spec: InstanceSpec; credentials: Credentials }> {
    const previous = await this.store.get('Secret', cluster.metadata.namespace, managerSecretName(name));
    const decode = (k: string) => (previous?.data?.[k] ? Buffer.from(previous.data[k], 'base64').toString() : undefined);
    const token = decode('token') ?? randomBytes(24).toString('hex');
    const generation = Number((JSON.parse(decode('instance.json') ?? '{"generation":0}') as { generation: number }).generation) + 1;
    const spec = await this.instanceSpec(cluster, name, serial, config, generation);
    const credentials: Credentials = { ...creds, managerToken: token };
    await this.store.put(managerSecret(cluster, name, { 'instance.json': JSON.stringify(spec, null, 2), 'credentials.json': JSON.stringify(credentials), token }));
    return { spec, credentials };
  }

  private image(cluster: Cluster): string {
    return cluster.spec.imageName ?? this.o.defaultImage;
  }

  private async ensureVolumes(cluster: Cluster, name: string, serial: number): Promise<void> {
    const roles = cluster.spec.walStorage ? (['PG_DATA', 'PG_WAL'] as const) : (['PG_DATA'] as const);
    await Promise.all(
      roles.map(async (role) => {
        const pvc = instancePvc(cluster, name, serial, role);
        const existing = await this.store.get('PersistentVolumeClaim', cluster.metadata.namespace, pvc.metadata.name);
        // Serials are reused, as CloudNativePG reuses them: a quick scale-down and up meets the old
        // volume on its way out, and a Pod on it would start on data about to vanish.
        if (existing?.metadata.deletionTimestamp) throw new Error(`PVC ${pvc.metadata.name} of a removed instance is still being deleted; ${name} is created once it is gone`);
        if (!existing) await this.store.put(pvc);
      }),
    );
  }

  async create(cluster: Cluster, name: string, serial: number, config: InstanceConfig, creds: ClusterCredentials): Promise<void> {
    const [{ spec }] = await Promise.all([this.writeSpec(cluster, name, serial, config, creds), this.ensureVolumes(cluster, name, serial)]);
    await this.createPod(cluster, name, serial, config, creds);
    await this.annotateHashes(cluster, name, config, creds, spec.peers);
  }

  private async createPod(cluster: Cluster, name: string, serial: number, config: InstanceConfig, creds: ClusterCredentials): Promise<void> {
    const pod = instancePod(cluster, { instance: name, serial, image: this.image(cluster), role: config.role, configHash: configHash(config), credentialsHash: credentialsHash(creds) });
    // Admission refuses a Pod whose ServiceAccount does not exist yet.
    const account = instanceServiceAccount(cluster);
    if (account && !(await this.store.get('ServiceAccount', cluster.metadata.namespace, account.metadata.name))) await this.store.put(account);
    await this.store.put(pod);
  }

  private async annotateHashes(cluster: Cluster, name: string, config: InstanceConfig, creds: ClusterCredentials, peers: InstanceSpec['peers']): Promise<void> {
    const annotations = { [ANNOTATIONS.configHash]: configHash(config), [ANNOTATIONS.credentialsHash]: credentialsHash(creds), [PEERS_ANNOTATION]: peersKey(peers) };
    await Promise.all([
      this.store.patchMetadata('PersistentVolumeClaim', cluster.metadata.namespace, name, { annotations }),
      this.store.patchMetadata('Pod', cluster.metadata.namespace, name, { annotations }).catch(() => undefined),
    ]);
  }

  /** Pushes the spec to the running manager; the Secret already has it for a restarted Pod. */
  private async push(cluster: Cluster, name: string, config: InstanceConfig, creds: ClusterCredentials): Promise<V1Pod> {
    const pod = await this.pod(cluster, name);
    if (!pod) throw new Error(`pod ${name} does not exist`);
    const serial = Number(pod.metadata?.annotations?.[ANNOTATIONS.serial] ?? 0);
    const { spec, credentials } = await this.writeSpec(cluster, name, serial, config, creds);
    await this.call(pod, 'PUT', '/spec', credentials.managerToken, { spec, credentials }, 30_000);
    await this.annotateHashes(cluster, name, config, creds, spec.peers);
    return pod;
  }

  async configure(cluster: Cluster, name: string, config: InstanceConfig, creds: ClusterCredentials): Promise<void> {
    await this.push(cluster, name, config, creds);
  }

  async start(cluster: Cluster, name: string, config: InstanceConfig, creds: ClusterCredentials): Promise<void> {
    const pod = await this.pod(cluster, name);
    // Returning would claim a start that never happens: nothing asks again once the Pod is gone.
    if (pod?.metadata?.deletionTimestamp) throw new Error(`pod ${name} is still terminating; ${name} is started again once it is gone`);
    if (pod) return;
    const pvc = await this.store.get('PersistentVolumeClaim', cluster.metadata.namespace, name);
    const serial = Number(pvc?.metadata.annotations?.[ANNOTATIONS.serial] ?? 0);
    const { spec } = await this.writeSpec(cluster, name, serial, config, creds);
    await this.createPod(cluster, name, serial, config, creds);
    await this.annotateHashes(cluster, name, config, creds, spec.peers);
  }

  private async post<T>(cluster: Cluster, name: string, path: string, timeoutMs: number, body?: unknown): Promise<T> {
    const pod = await this.pod(cluster, name);
    if (!pod) throw new Error(`pod ${name} does not exist`);
    return (await this.call<T>(pod, 'POST', path, await this.token(cluster, name), body, timeoutMs)) as T;
  }

  async restartPostgres(cluster: Cluster, name: string): Promise<void> {
    await this.post(cluster, name, '/pg/restart', 300_000);
  }

  async stop(cluster: Cluster, name: string): Promise<void> {
    await this.store.delete('Pod', cluster.metadata.namespace, name);
  }

  async remove(cluster: Cluster, name: string): Promise<void> {
    const ns = cluster.metadata.namespace;
    await this.store.delete('Pod', ns, name);
    await this.store.delete('PersistentVolumeClaim', ns, name);
    await this.store.delete('PersistentVolumeClaim', ns, `${name}-wal`);
    await this.store.delete('Secret', ns, managerSecretName(name));
  }

  /**
   * Certain only when the manager confirms. Otherwise the Pod is deleted and we wait out the
   * self-isolation bound: a primary cut off from everyone stops PostgreSQL within it by itself.
   */
  async isolate(cluster: Cluster, name: string): Promise<void> {
    try {
      await this.post(cluster, name, '/pg/isolate', 5000);
      return;
    } catch {
      await this.core.deleteNamespacedPod({ name, namespace: cluster.metadata.namespace ?? 'default', gracePeriodSeconds: 0 }).catch(() => undefined);
      await sleep(ISOLATION_TIMEOUT_MS + ISOLATION_CHECK_MS + ISOLATION_STOP_MS + ISOLATION_MARGIN_MS);
    }
  }

  async promote(cluster: Cluster, name: string, config: InstanceConfig, creds: ClusterCredentials, minLsn?: string): Promise<void> {
    await this.push(cluster, name, config, creds);
    await this.post(cluster, name, `/pg/promote${minLsn ? `?minLsn=${encodeURIComponent(minLsn)}` : ''}`, 90_000);
  }

  async demote(cluster: Cluster, name: string, config: InstanceConfig, creds: ClusterCredentials): Promise<string> {
    await this.push(cluster, name, config, creds);
    return (await this.post<{ lsn: string }>(cluster, name, '/pg/demote', 120_000)).lsn;
  }

  async startBackup(cluster: Cluster, name: string, request: BackupRequest): Promise<void> {
    await this.post(cluster, name, '/backups', 10_000, request);
  }

  async backupReport(cluster: Cluster, name: string, backupName: string): Promise<BackupReport | null> {
    const pod = await this.pod(cluster, name);
    if (!pod) throw new Error(`pod ${name} does not exist`);
    return this.call<BackupReport>(pod, 'GET', `/backups/${encodeURIComponent(backupName)}`, undefined);
  }

  async refreshCatalog(cluster: Cluster, name: string): Promise<void> {
    await this.post(cluster, name, '/catalog/refresh', 60_000);
  }

  async reload(cluster: Cluster, name: string): Promise<void> {
    await this.post(cluster, name, '/pg/reload', 30_000);
  }
}

