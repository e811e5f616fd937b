// Instances as Pods: one PVC (two with walStorage), one Pod and one spec Secret each. The instance
// manager in the Pod is reached on the Pod's IP; it reads its spec from the mounted Secret at start
// and receives later ones over its HTTP API at once (the kubelet's Secret sync is only a backstop).
import { detachPatch, isDetached, keptSerialsOf } from './kept-volumes.js';
import { randomBytes } from 'node:crypto';
import { CoordinationV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { Cluster } from '../../api/index.js';
import type { KubeObject } from '../../api/meta.js';
import { ANNOTATIONS, LABELS, MANAGER_PORT, METRICS_PORT, POSTGRES_PORT } from '../../api/names.js';
import type { StoredCluster } from '../../api/cluster-status.js';
import type { LogicalReplicationAnswer, LogicalReplicationRequest } from '../../instance/logical-replication.js';
import type { BackupReport, BackupRequest } from '../../instance/base-backup.js';
import { InstanceClient } from '../../instance/client.js';
import { ISOLATION_CHECK_MS, ISOLATION_STOP_MS, ISOLATION_TIMEOUT_MS } from '../../instance/isolation.js';
import type { Credentials, InstanceSpec, PeerEndpoint, SnapshotBootstrap } from '../../instance/spec.js';
import type { SnapshotBackupBegun, SnapshotBackupEnded, SnapshotBackupStart, SnapshotBackupStop } from '../../instance/snapshot-backup.js';
import { KubeSnapshots } from './snapshots.js';
import { claimFromRecovery, snapshotVolumes } from './snapshot-recovery.js';
import type { InstanceHandout } from '../../operator/types.js';
import { statusErrorOf } from '../../operator/status-error.js';
import type { ActionResult, ObserveDatabaseRequest } from '../../instance/database-requests.js';
import type { DatabaseAction, ObservedDatabase } from '../../postgres/database-sql.js';
import type { InstanceRuntime } from '../../operator/platform.js';
import type { InstanceConfig, ObservedInstance, ObservedVolume, VolumeRole } from '../../operator/types.js';
import { EXTENSIONS_MOUNT } from './extension-volumes.js';
import { instanceClaims, podStorage } from './storage-specs.js';
import { pvcName } from '../../api/volumes.js';
import { majorFromImageName } from '../../api/image.js';
import { KubeLeaseStore } from '../../instance/lease-kube-store.js';
import { DEFAULT_LEASE_TIMINGS, releaseLease, type LeaseRecord } from '../../instance/primary-lease.js';
import { primaryLease, primaryLeaseRole, primaryLeaseRoleBinding } from './primary-lease-objects.js';
import { instancePod, instancePvc, instanceServiceAccount, managerSecret, managerSecretName, podSpecHash } from './specs.js';
import { isStatus, type KubeStore } from './store.js';
import { nodeLabelsOf } from './node-labels.js';
import { DATA_MAJOR_ANNOTATION, dataMajorAnnotation, majorUpgradePod, majorUpgradePodName, outcomeAnnotations, upgradeFailureAnnotation, upgradeOutcomeOf } from './major-upgrade-pod.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** Clock steps and scheduling on a busy node, on top of the manager's own bound. */
const ISOLATION_MARGIN_MS = 1000;

export interface KubeInstancesOptions {
  /** Operand image for Clusters that name none. */
  defaultImage: string;
  /** The operator's own image: instance Pods copy their manager from it (manager-volume.ts). */
  operatorImage: string;
  defaultMajor: number;
  /** How instance managers reach the API server, for their isolation check. */
  controlPlaneUrl: string;
}

/** Annotations written before the peers were kept as JSON hold another format: unknown, so out of date. */
function peersToldOf(annotation: string | undefined): PeerEndpoint[] | undefined {
  try {
    const peers = JSON.parse(annotation ?? '') as unknown;
    return Array.isArray(peers) ? (peers as PeerEndpoint[]) : undefined;
  } catch {
    return undefined;
  }
}

/** The storage requests of an instance's claims (its data, WAL and tablespace volumes); a tablespace is known by its claim's name. */
function volumesOf(claims: KubeObject[], instance: string, cluster: Cluster): ObservedVolume[] {
  return claims.flatMap((c): ObservedVolume[] => {
    const role = c.metadata.labels?.[LABELS.pvcRole];
    const size = (c.spec as { resources?: { requests?: { storage?: string } } } | undefined)?.resources?.requests?.storage;
    if (c.metadata.labels?.[LABELS.instanceName] !== instance || !size) return [];
    if (role === 'PG_DATA' || role === 'PG_WAL') return [{ role, size }];
    if (role !== 'PG_TABLESPACE') return [];
    const tablespace = cluster.spec.tablespaces?.find((t) => pvcName(instance, role, t.name) === c.metadata.name)?.name;
    return tablespace ? [{ role, tablespace, size }] : [];
  });
}

const TERMINAL_PHASES = new Set(['Failed', 'Succeeded']);

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
  private readonly coordination: CoordinationV1Api;
  /** VolumeSnapshots of these instances' volumes, and the claims recovered from them. */
  readonly snapshots: KubeSnapshots;

  constructor(
    kc: KubeConfig,
    private readonly store: KubeStore,
    private readonly o: KubeInstancesOptions,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.coordination = kc.makeApiClient(CoordinationV1Api);
    this.snapshots = new KubeSnapshots(kc, store);
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

  /** The Pod's manager, on the Pod's IP. */
  private managerOf(pod: V1Pod, token?: string): InstanceClient {
    const ip = pod.status?.podIP;
    if (!ip) throw new Error(`pod ${pod.metadata?.name} has no IP yet`);
    return new InstanceClient({ host: ip, port: MANAGER_PORT }, { token, instance: pod.metadata?.name });
  }

  private async manager(cluster: Cluster, name: string): Promise<InstanceClient> {
    const pod = await this.pod(cluster, name);
    if (!pod) throw new Error(`pod ${name} does not exist`);
    return this.managerOf(pod, await this.token(cluster, name));
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
    const [pods, claims] = await Promise.all([this.pods(cluster), this.store.list('PersistentVolumeClaim', ns, { [LABELS.cluster]: cluster.metadata.name })]);
    const pvcs = claims.filter((c) => c.metadata.labels?.[LABELS.pvcRole] === 'PG_DATA');
    const byName = new Map(pods.map((p) => [p.metadata!.name!, p]));
    const nodeLabels = await nodeLabelsOf(this.store, cluster, pods);
    return Promise.all(
      // A PVC being deleted (its Pod gone, a finalizer holding it) is an instance scaled away: were
      // it observed, its "stopped" instance would get a new Pod on the claim it is losing.
      // A detached one (destroy --keep-pvc) is no instance of the Cluster any more.
      pvcs.filter((pvc) => !pvc.metadata.deletionTimestamp && !isDetached(pvc)).map(async (pvc) => {
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
          configHash: annotations[ANNOTATIONS.configHash],
          credentialsHash: annotations[ANNOTATIONS.credentialsHash],
          peersToldOf: peersToldOf(annotations[ANNOTATIONS.peers]),
          peersNow: peersOf(pods, name),
          role: pod?.metadata?.labels?.[LABELS.instanceRole] === 'primary' ? 'primary' : 'replica',
          managerStartedAt: toIso(container?.state?.running?.startedAt),
          platformReady: pod?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
          node: pod?.spec?.nodeName,
          nodeLabels: nodeLabels.get(pod?.spec?.nodeName ?? ''),
          // podFailureDomainKeys name labels of the Pods themselves (failure-domains.ts).
          ...(pod?.metadata?.labels ? { podLabels: pod.metadata.labels } : {}),
          ...(isUnschedulable(pod) ? { unschedulable: true } : {}),
          volumes: volumesOf(claims, name, cluster),
          ...recordedUpgrade(annotations),
          ...(pod ? { runtimeSpecHash: pod.metadata?.annotations?.[ANNOTATIONS.podSpecHash], runtimeSpecHashNow: this.podSpecHashNow(cluster, name, pod, dataMajorAnnotation(annotations)) } : {}),
        };
        if (!running || !pod) return observed;
        try {
          observed.status = await this.managerOf(pod).call('status');
        } catch (e) {
          Object.assign(observed, statusErrorOf(e));
        }
        return observed;
      }),
    );
  }

  /** The digest of the Pod the Cluster would give this instance now (the role and hashes are labels and annotations, not spec). */
  private podSpecHashNow(cluster: Cluster, name: string, pod: V1Pod, major: number | undefined): string {
    const serial = Number(pod.metadata?.annotations?.[ANNOTATIONS.serial] ?? 0);
    const wanted = instancePod(cluster, { instance: name, serial, image: this.image(cluster, major), operatorImage: this.o.operatorImage, role: 'replica', configHash: '', credentialsHash: '' });
    return podSpecHash(wanted.spec as Record<string, unknown>);
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
    const { primaryName: _primaryName, storage, ...rest } = config;
    const inPlace = rest.bootstrap?.kind === 'snapshot' && rest.role === 'primary' ? await snapshotVolumes(this.snapshots, this.store, cluster, name) : undefined;
    return {
      ...rest,
      ...(inPlace && rest.bootstrap?.kind === 'snapshot' ? { bootstrap: { ...rest.bootstrap, inPlace } } : {}),
      ...(storage ? { storage: podStorage(storage) } : {}),
      namespace: cluster.metadata.namespace ?? 'default',
      cluster: cluster.metadata.name,
      name,
      serial,
      generation,
      binDir: `/usr/lib/postgresql/${config.major}/bin`,
      osUser: 'postgres',
      pgPort: POSTGRES_PORT,
      statusPort: MANAGER_PORT,
      metricsPort: METRICS_PORT,
      primary,
      peers: peersOf(pods, name),
      controlPlaneUrl: this.o.controlPlaneUrl,
      listenAddress: '*',
      isolationTimeoutMs: ISOLATION_TIMEOUT_MS,
      ...(config.libraries?.extensions ? { extensionsRoot: EXTENSIONS_MOUNT } : {}),
    };
  }

  /** Writes the spec Secret (mounted by the Pod) and returns what was written. */
  private async writeSpec(cluster: Cluster, name: string, serial: number, given: InstanceHandout): Promise<{ spec: InstanceSpec; credentials: Credentials }> {
    const previous = await this.store.get('Secret', cluster.metadata.namespace, managerSecretName(name));
    const decode = (k: string) => (previous?.data?.[k] ? Buffer.from(previous.data[k], 'base64').toString() : undefined);
    const token = decode('token') ?? randomBytes(24).toString('hex');
    const generation = Number((JSON.parse(decode('instance.json') ?? '{"generation":0}') as { generation: number }).generation) + 1;
    const spec = await this.instanceSpec(cluster, name, serial, given.config, generation);
    const credentials: Credentials = { ...given.credentials, managerToken: token };
    await this.store.put(managerSecret(cluster, name, { 'instance.json': JSON.stringify(spec, null, 2), 'credentials.json': JSON.stringify(credentials), token }));
    return { spec, credentials };
  }

  defaultImage(): string {
    return this.o.defaultImage;
  }

  /** The operator's default only for a Cluster that has recorded none yet (see recordedImage). */
  private requestedImage(cluster: StoredCluster): string {
    return cluster.spec.imageName ?? cluster.status?.image ?? this.o.defaultImage;
  }

  /**
   * What an instance Pod running `major` runs: the image asked for, except while the data is an
   * older major than it (an upgrade not done yet, or refused): then the image the data last ran.
   */
  private image(cluster: StoredCluster, major: number | undefined): string {
    return podImage(this.requestedImage(cluster), cluster.status?.pgDataImageInfo, major);
  }

  /** `major`: the PostgreSQL major the instance runs; a new data volume is bootstrapped at it, and records it. */
  /** `recovery`: the first instance of a Cluster recovered from VolumeSnapshots, whose claims are made from them. */
  private async ensureVolumes(cluster: Cluster, name: string, serial: number, major: number, recovery?: SnapshotBootstrap): Promise<void> {
    await Promise.all(
      instanceClaims(cluster).map(async ({ role, tablespace }) => {
        const made = instancePvc(cluster, name, serial, role, tablespace);
        const pvc = recovery ? await claimFromRecovery(this.snapshots, cluster, made, recovery, role, tablespace) : made;
        if (role === 'PG_DATA') pvc.metadata.annotations = { ...pvc.metadata.annotations, [DATA_MAJOR_ANNOTATION]: String(major) };
        const existing = await this.store.get('PersistentVolumeClaim', cluster.metadata.namespace, pvc.metadata.name);
        // Serials are reused, as CloudNativePG reuses them: a quick scale-down and up meets the old
        // volume on its way out, and a Pod on it would start on data about to vanish.
        if (existing?.metadata.deletionTimestamp) throw new Error(`PVC ${pvc.metadata.name} of a removed instance is still being deleted; ${name} is created once it is gone`);
        if (!existing) await this.store.put(pvc);
      }),
    );
  }

  async create(cluster: Cluster, name: string, serial: number, given: InstanceHandout): Promise<void> {
    // Before the volumes: a failure here leaves no claim without its Pod behind.
    await this.ensurePrimaryLease(cluster);
    const bootstrap = given.config.role === 'primary' ? given.config.bootstrap : undefined;
    let spec: InstanceSpec;
    if (bootstrap?.kind === 'snapshot') {
      // The spec names the claims' identity (snapshot-recovery.ts): they come first.
      await this.ensureVolumes(cluster, name, serial, given.config.major, bootstrap);
      ({ spec } = await this.writeSpec(cluster, name, serial, given));
    } else {
      [{ spec }] = await Promise.all([this.writeSpec(cluster, name, serial, given), this.ensureVolumes(cluster, name, serial, given.config.major)]);
    }
    await this.createPod(cluster, name, serial, given);
    await this.annotateHashes(cluster, name, given, spec.peers);
  }

  private async createPod(cluster: Cluster, name: string, serial: number, given: InstanceHandout): Promise<void> {
    const pod = instancePod(cluster, { instance: name, serial, image: this.image(cluster, given.config.major), operatorImage: this.o.operatorImage, role: given.config.role, configHash: given.configHash, credentialsHash: given.credentialsHash });
    // Admission refuses a Pod whose ServiceAccount does not exist yet.
    const account = instanceServiceAccount(cluster);
    if (account && !(await this.store.get('ServiceAccount', cluster.metadata.namespace, account.metadata.name))) await this.store.put(account);
    await this.store.put(pod);
  }

  /**
   * Made once, before the Pods that hold it; the holder is never written here but by the instances.
   * One after the other: the API server checks a RoleBinding made by an operator that may not
   * `bind` against the Role it names, which must exist by then (it answers 404 otherwise).
   */
  private async ensurePrimaryLease(cluster: Cluster): Promise<void> {
    const ns = cluster.metadata.namespace;
    for (const object of [primaryLease(cluster), primaryLeaseRole(cluster), primaryLeaseRoleBinding(cluster)]) {
      if (!(await this.store.get(object.kind, ns, object.metadata.name))) await this.store.put(object);
    }
  }

  /** Records what the controller handed over, and the peers this platform told the manager of. */
  private async annotateHashes(cluster: Cluster, name: string, given: InstanceHandout, peers: PeerEndpoint[]): Promise<void> {
    const annotations = { [ANNOTATIONS.configHash]: given.configHash, [ANNOTATIONS.credentialsHash]: given.credentialsHash, [ANNOTATIONS.peers]: JSON.stringify(peers) };
    await Promise.all([
      this.store.patchMetadata('PersistentVolumeClaim', cluster.metadata.namespace, name, { annotations }),
      this.store.patchMetadata('Pod', cluster.metadata.namespace, name, { annotations }).catch(() => undefined),
    ]);
  }

  /** Pushes the spec to the running manager; the Secret already has it for a restarted Pod. */
  private async push(cluster: Cluster, name: string, given: InstanceHandout): Promise<void> {
    await (await this.pushSpec(cluster, name, given)).annotated;
  }

  /** The spec in the Secret and in the manager; `annotated` is the hashes' record of it, still under way. */
  private async pushSpec(cluster: Cluster, name: string, given: InstanceHandout): Promise<{ client: InstanceClient; annotated: Promise<void> }> {
    const pod = await this.pod(cluster, name);
    if (!pod) throw new Error(`pod ${name} does not exist`);
    const serial = Number(pod.metadata?.annotations?.[ANNOTATIONS.serial] ?? 0);
    const { spec, credentials } = await this.writeSpec(cluster, name, serial, given);
    const client = this.managerOf(pod, credentials.managerToken);
    await client.call('replaceSpec', { body: { spec, credentials } });
    return { client, annotated: this.annotateHashes(cluster, name, given, spec.peers) };
  }

  async configure(cluster: Cluster, name: string, given: InstanceHandout): Promise<void> {
    await this.push(cluster, name, given);
  }

  /**
   * A Pod that ended (Failed: evicted, or its container exited for good; Succeeded) never runs
   * again: as CloudNativePG does, it is deleted, and the reconcile its deletion brings makes a new
   * one on the same volume. A Pod still being deleted is waited for.
   */
  async start(cluster: Cluster, name: string, given: InstanceHandout): Promise<void> {
    const pod = await this.pod(cluster, name);
    if (pod && TERMINAL_PHASES.has(pod.status?.phase ?? '') && !pod.metadata?.deletionTimestamp) {
      // Nothing runs in an ended Pod, so no grace period; the uid makes sure it is that Pod that goes.
      await this.core
        .deleteNamespacedPod({ name, namespace: cluster.metadata.namespace ?? 'default', gracePeriodSeconds: 0, body: { preconditions: { uid: pod.metadata?.uid } } })
        .catch((e: unknown) => {
          if (!isStatus(e, 404)) throw e;
        });
      return;
    }
    // Returning would claim a start that never happens: nothing asks again once the Pod is gone.
    if (pod?.metadata?.deletionTimestamp) throw new Error(`pod ${name} is still terminating; ${name} is started again once it is gone`);
    if (pod) return;
    await this.ensurePrimaryLease(cluster);
    const pvc = await this.store.get('PersistentVolumeClaim', cluster.metadata.namespace, name);
    const serial = Number(pvc?.metadata.annotations?.[ANNOTATIONS.serial] ?? 0);
    // Claims added to the Cluster since (walStorage, a tablespace) come before the Pod that mounts them.
    const [{ spec }] = await Promise.all([this.writeSpec(cluster, name, serial, given), this.ensureVolumes(cluster, name, serial, given.config.major)]);
    await this.createPod(cluster, name, serial, given);
    await this.annotateHashes(cluster, name, given, spec.peers);
  }

  /** A merge patch of the claim's storage request: the storage driver grows the volume under the running Pod. */
  async resizeVolume(cluster: Cluster, name: string, role: VolumeRole, size: string, tablespace?: string): Promise<void> {
    await this.core.patchNamespacedPersistentVolumeClaim(
      { name: pvcName(name, role, tablespace), namespace: cluster.metadata.namespace ?? 'default', body: { spec: { resources: { requests: { storage: size } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  async restartPostgres(cluster: Cluster, name: string): Promise<void> {
    await (await this.manager(cluster, name)).call('restart');
  }

  async stop(cluster: Cluster, name: string): Promise<void> {
    await this.recordDataMajor(cluster, name);
    await this.store.delete('Pod', cluster.metadata.namespace, name);
  }

  /**
   * A data PVC made before its data's major was recorded on it gets it from the spec its Pod runs (a
   * server runs only its own major's data), while that is known: a stopped Pod cannot be asked.
   */
  private async recordDataMajor(cluster: Cluster, name: string): Promise<void> {
    const pvc = await this.store.get('PersistentVolumeClaim', cluster.metadata.namespace, name);
    if (!pvc || dataMajorAnnotation(pvc.metadata.annotations) !== undefined) return;
    const secret = await this.store.get('Secret', cluster.metadata.namespace, managerSecretName(name));
    const spec = secret?.data?.['instance.json'];
    const major = spec ? (JSON.parse(Buffer.from(spec, 'base64').toString()) as Partial<InstanceSpec>).major : undefined;
    if (major !== undefined) await this.store.patchMetadata('PersistentVolumeClaim', cluster.metadata.namespace, name, { annotations: { [DATA_MAJOR_ANNOTATION]: String(major) } });
  }

  /**
   * pg_upgrade in a one-shot Pod (major-upgrade-pod.ts), as CloudNativePG's `<instance>-major-upgrade`
   * Job. Not awaited: the plan asks again at every reconcile while the upgrade runs, and each call
   * takes the next step (make the Pod; wait; record its outcome on the data PVC and delete it). An
   * operator restarted meanwhile finds the same Pod and waits for it: one pg_upgrade per data.
   */
  async upgradeMajor(cluster: Cluster, name: string, given: InstanceHandout, generation: number): Promise<void> {
    const namespace = cluster.metadata.namespace ?? 'default';
    const podName = majorUpgradePodName(name);
    const existing = (await this.store.get('Pod', namespace, podName)) as V1Pod | undefined;
    if (existing) {
      const outcome = existing.metadata?.deletionTimestamp ? undefined : upgradeOutcomeOf(existing);
      if (!outcome) return;
      await this.store.patchMetadata('PersistentVolumeClaim', namespace, name, { annotations: outcomeAnnotations(outcome, existing) });
      await this.store.delete('Pod', namespace, podName);
      return;
    }
    // A Pod of the instance still stopping may still have PostgreSQL on the data.
    if (await this.pod(cluster, name)) return;
    const pvc = await this.store.get('PersistentVolumeClaim', namespace, name);
    if (!pvc) throw new Error(`cannot upgrade ${name}: its data PVC does not exist`);
    const old = (cluster as StoredCluster).status?.pgDataImageInfo;
    if (!old?.image) throw new Error(`cannot upgrade ${name}: the Cluster's status records no image its data last ran (status.pgDataImageInfo)`);
    const pod = majorUpgradePod(cluster, {
      instance: name,
      serial: Number(pvc.metadata.annotations?.[ANNOTATIONS.serial] ?? 0),
      oldImage: old.image,
      oldMajor: old.majorVersion,
      newImage: this.requestedImage(cluster),
      newMajor: given.config.major,
      operatorImage: this.o.operatorImage,
      generation,
    });
    // Created, never replaced: one already there (a cache behind the API server) is the same upgrade.
    await this.core.createNamespacedPod({ namespace, body: pod as V1Pod }).catch((e: unknown) => {
      if (!isStatus(e, 409)) throw e;
    });
  }

  async remove(cluster: Cluster, name: string, options?: { keepData?: boolean }): Promise<void> {
    const ns = cluster.metadata.namespace;
    // Detached before the Pod goes, as CloudNativePG's plugin does: observe() never sees a claim without its Pod.
    if (options?.keepData) await this.detachVolumes(cluster, name);
    await this.store.delete('Pod', ns, name);
    if (!options?.keepData) {
      await this.store.delete('PersistentVolumeClaim', ns, name);
      await this.store.delete('PersistentVolumeClaim', ns, `${name}-wal`);
    }
    await this.store.delete('Secret', ns, managerSecretName(name));
  }

  private async detachVolumes(cluster: Cluster, name: string): Promise<void> {
    const namespace = cluster.metadata.namespace ?? 'default';
    for (const claim of [name, `${name}-wal`]) {
      const pvc = await this.store.get('PersistentVolumeClaim', namespace, claim);
      if (!pvc) continue;
      await this.core.patchNamespacedPersistentVolumeClaim({ name: claim, namespace, body: detachPatch(pvc, cluster.metadata.name) }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    }
  }

  async keptSerials(cluster: Cluster): Promise<number[]> {
    return keptSerialsOf(await this.store.list('PersistentVolumeClaim', cluster.metadata.namespace ?? 'default', { [LABELS.cluster]: cluster.metadata.name }));
  }

  async primaryLease(cluster: Cluster): Promise<LeaseRecord | undefined> {
    return (await new KubeLeaseStore(this.coordination, cluster.metadata.namespace ?? 'default', cluster.metadata.name).read())?.record;
  }

  /**
   * Certain only when the manager confirms. Otherwise the Pod is deleted and we wait out the
   * self-isolation bound: a primary cut off from everyone stops PostgreSQL within it by itself.
   */
  async isolate(cluster: Cluster, name: string): Promise<void> {
    try {
      await (await this.manager(cluster, name)).call('isolate');
      return;
    } catch (e) {
      await this.core.deleteNamespacedPod({ name, namespace: cluster.metadata.namespace ?? 'default', gracePeriodSeconds: 0 }).catch(() => undefined);
      // The manager is PID 1 of its container: a Pod that refuses its port has no manager, so no
      // PostgreSQL either (a deleted primary that finished its shutdown), and its lease is let go
      // for it. Anything else may be a manager still running: it has isolated itself once this has
      // passed, and a lease it still renews (it reaches the API server) holds the promotion back.
      if (statusErrorOf(e).statusErrorKind === 'refused') {
        await releaseLease(new KubeLeaseStore(this.coordination, cluster.metadata.namespace ?? 'default', cluster.metadata.name), name, cluster.spec.primaryLease?.releasedLeaseDurationSeconds ?? DEFAULT_LEASE_TIMINGS.releasedLeaseDurationSeconds);
        return;
      }
      await sleep(ISOLATION_TIMEOUT_MS + ISOLATION_CHECK_MS + ISOLATION_STOP_MS + ISOLATION_MARGIN_MS);
    }
  }

  async promote(cluster: Cluster, name: string, given: InstanceHandout, minLsn?: string): Promise<void> {
    // Writes wait for the promotion, not for the two annotation patches beside it.
    const { client, annotated } = await this.pushSpec(cluster, name, given);
    await Promise.all([client.call('promote', { query: { minLsn } }), annotated]);
  }

  async demote(cluster: Cluster, name: string, given: InstanceHandout): Promise<string> {
    await this.push(cluster, name, given);
    return (await (await this.manager(cluster, name)).call('demote')).lsn;
  }

  async startBackup(cluster: Cluster, name: string, request: BackupRequest): Promise<void> {
    await (await this.manager(cluster, name)).call('startBackup', { body: request });
  }

  async backupReport(cluster: Cluster, name: string, backupName: string): Promise<BackupReport | null> {
    const pod = await this.pod(cluster, name);
    if (!pod) throw new Error(`pod ${name} does not exist`);
    return this.managerOf(pod).call('backupReport', { params: { name: backupName } });
  }

  async snapshotBackupStart(cluster: Cluster, name: string, request: SnapshotBackupStart): Promise<SnapshotBackupBegun> {
    return (await this.manager(cluster, name)).call('snapshotBackupStart', { body: request });
  }

  async snapshotBackupStop(cluster: Cluster, name: string, request: SnapshotBackupStop): Promise<SnapshotBackupEnded> {
    return (await this.manager(cluster, name)).call('snapshotBackupStop', { body: request });
  }

  async snapshotBackupAbort(cluster: Cluster, name: string, backupName: string): Promise<void> {
    await (await this.manager(cluster, name)).call('snapshotBackupAbort', { body: { backupName } });
  }

  async controlData(cluster: Cluster, name: string): Promise<string> {
    return (await (await this.manager(cluster, name)).call('controlData')).output;
  }

  async refreshCatalog(cluster: Cluster, name: string): Promise<void> {
    await (await this.manager(cluster, name)).call('refreshCatalog');
  }

  async logicalReplication(cluster: Cluster, name: string, request: LogicalReplicationRequest): Promise<LogicalReplicationAnswer> {
    return (await this.manager(cluster, name)).call('logicalReplication', { body: request });
  }

  async observeDatabase(cluster: Cluster, name: string, request: ObserveDatabaseRequest): Promise<ObservedDatabase> {
    return (await this.manager(cluster, name)).call('observeDatabase', { body: request });
  }

  async applyDatabase(cluster: Cluster, name: string, actions: DatabaseAction[]): Promise<ActionResult[]> {
    return (await (await this.manager(cluster, name)).call('applyDatabase', { body: { actions } })).results;
  }
}

export function podImage(requested: string, data: { image: string; majorVersion: number } | undefined, major: number | undefined): string {
  const asked = majorFromImageName(requested);
  return major !== undefined && asked !== undefined && asked !== major && data?.image && data.majorVersion === major ? data.image : requested;
}

/** What the data PVC records of the data's major and of a failed upgrade; nothing where it records none. */
function recordedUpgrade(annotations: Record<string, string>): Pick<ObservedInstance, 'dataMajor' | 'majorUpgradeFailure'> {
  const dataMajor = dataMajorAnnotation(annotations);
  const majorUpgradeFailure = upgradeFailureAnnotation(annotations);
  return { ...(dataMajor !== undefined ? { dataMajor } : {}), ...(majorUpgradeFailure ? { majorUpgradeFailure } : {}) };
}

/** A Pod the scheduler has given up placing, as CloudNativePG's utils.IsPodUnschedulable sees it. */
export function isUnschedulable(pod: V1Pod | undefined): boolean {
  return pod?.status?.phase === 'Pending' && (pod.status.conditions ?? []).some((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable');
}
