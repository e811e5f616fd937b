// Volume snapshots on Kubernetes: VolumeSnapshot objects (snapshot.storage.k8s.io/v1) which the
// cluster's snapshot controller and CSI driver cut; this side creates them, waits, annotates and
// deletes them. The objects themselves are shaped in volume-snapshot-specs.ts.
import { ApiException, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster } from '../../api/index.js';
import type { KubeObject } from '../../api/meta.js';
import type { StoredCluster } from '../../api/cluster-status.js';
import type { ResourceStore, SnapshotRuntime } from '../../operator/platform.js';
import { SnapshotNameTaken, type SnapshotElement, type SnapshotMetadata, type SnapshotTake } from '../../operator/snapshot-types.js';
import { claimOf, cutAnnotations, sealAnnotations, SNAPSHOT_GROUP, SNAPSHOT_LABELS, SNAPSHOT_PLURAL, SNAPSHOT_VERSION, snapshotMetadata, snapshotState, volumeSnapshotObject, type SnapshotState } from './volume-snapshot-specs.js';

const code = (e: unknown) => (e instanceof ApiException ? e.code : undefined);

export interface KubeSnapshotsOptions {
  pollMs?: number;
  /** How long a snapshot without an error may take to be cut, then to be ready (ours: CloudNativePG waits without end). */
  deadlineMs?: number;
}

/** A snapshot a new claim can be made from. */
export interface RestoreSource {
  snapshot: KubeObject;
  state: SnapshotState;
  metadata?: SnapshotMetadata;
}

/** Data first, WAL last: the WAL volume is cut after the others, so it holds at least the WAL they need. */
const ORDER: Record<SnapshotElement['type'], number> = { PG_DATA: 0, PG_TABLESPACE: 1, PG_WAL: 2 };

export class KubeSnapshots implements SnapshotRuntime {
  private readonly api: CustomObjectsApi;
  private readonly pollMs: number;
  private readonly deadlineMs: number;

  constructor(
    kc: KubeConfig,
    private readonly store: ResourceStore,
    o: KubeSnapshotsOptions = {},
  ) {
    this.api = kc.makeApiClient(CustomObjectsApi);
    this.pollMs = o.pollMs ?? 1000;
    this.deadlineMs = o.deadlineMs ?? 600_000;
  }

  private coordinates(namespace: string) {
    return { group: SNAPSHOT_GROUP, version: SNAPSHOT_VERSION, namespace, plural: SNAPSHOT_PLURAL };
  }

  /** A missing CRD answers 404 to a list, where a missing object of a served kind answers an empty list. */
  async available(namespace: string): Promise<void> {
    try {
      await this.api.listNamespacedCustomObject({ ...this.coordinates(namespace), limit: 1 });
    } catch (e) {
      if (code(e) === 404) {
        throw new Error('the VolumeSnapshot API (snapshot.storage.k8s.io/v1) is not served by this Kubernetes cluster: install the external-snapshotter CRDs and snapshot controller, and a CSI driver that takes snapshots');
      }
      throw e;
    }
  }

  async get(namespace: string, name: string): Promise<KubeObject | undefined> {
    try {
      return (await this.api.getNamespacedCustomObject({ ...this.coordinates(namespace), name })) as KubeObject;
    } catch (e) {
      if (code(e) === 404) return undefined;
      throw e;
    }
  }

  async take(cluster: Cluster, instance: string, elements: SnapshotElement[], taking: SnapshotTake): Promise<void> {
    const namespace = cluster.metadata.namespace ?? 'default';
    await this.available(namespace);
    for (const e of elements) {
      if (await this.get(namespace, e.name)) throw new SnapshotNameTaken(`VolumeSnapshot ${namespace}/${e.name} exists already`);
    }
    const major = (cluster as StoredCluster).status?.pgDataImageInfo?.majorVersion;
    const ordered = [...elements].sort((a, b) => ORDER[a.type] - ORDER[b.type]);
    for (const e of ordered) {
      const claim = await this.store.get('PersistentVolumeClaim', namespace, claimOf(instance, e));
      if (!claim) throw new Error(`instance ${instance} has no PersistentVolumeClaim ${claimOf(instance, e)} for ${e.type}`);
      const body = volumeSnapshotObject(cluster, { instance, element: e, claim, taking, ...(major !== undefined ? { major } : {}), now: new Date() });
      await this.api.createNamespacedCustomObject({ ...this.coordinates(namespace), body });
      const cut = await this.waitFor(namespace, e.name, 'cut', (s) => s.cut, taking);
      const times = cutAnnotations(cut, new Date());
      if (times) await this.annotate(namespace, e.name, times);
    }
  }

  async ready(cluster: Cluster, elements: SnapshotElement[], taking: SnapshotTake): Promise<void> {
    const namespace = cluster.metadata.namespace ?? 'default';
    for (const e of elements) await this.waitFor(namespace, e.name, 'ready to use', (s) => s.ready, taking);
  }

  private async annotate(namespace: string, name: string, annotations: Record<string, string>): Promise<void> {
    await this.api.patchNamespacedCustomObject({ ...this.coordinates(namespace), name, body: { metadata: { annotations } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  }

  private async waitFor(namespace: string, name: string, what: string, done: (s: SnapshotState) => boolean, taking: SnapshotTake): Promise<KubeObject> {
    let deadline = Date.now() + this.deadlineMs;
    for (;;) {
      const vs = await this.get(namespace, name);
      if (!vs) throw new Error(`VolumeSnapshot ${namespace}/${name} was deleted while being taken`);
      const state = snapshotState(vs);
      if (state.error) {
        const message = `VolumeSnapshot ${namespace}/${name} failed: ${state.error}`;
        if (!taking.onError) throw new Error(message);
        await taking.onError(message);
        // While the driver reports errors, the Backup's volumeSnapshotDeadline governs, not this wait's.
        deadline = Date.now() + this.deadlineMs;
      } else if (done(state)) {
        return vs;
      }
      if (Date.now() > deadline) throw new Error(`VolumeSnapshot ${namespace}/${name} was not ${what} within ${Math.round(this.deadlineMs / 1000)} s (is there a snapshot controller, and does its class name a CSI driver that snapshots this volume?)`);
      await sleep(this.pollMs);
    }
  }

  async seal(cluster: Cluster, _instance: string, elements: SnapshotElement[], metadata: SnapshotMetadata): Promise<void> {
    const namespace = cluster.metadata.namespace ?? 'default';
    const annotations = sealAnnotations(metadata);
    for (const e of elements) await this.annotate(namespace, e.name, annotations);
  }

  async describe(namespace: string, name: string): Promise<SnapshotMetadata | undefined> {
    const vs = await this.get(namespace, name);
    return vs && snapshotMetadata(vs);
  }

  /** The named snapshot for a new claim; undefined when it does not exist. */
  async restoreSource(namespace: string, name: string): Promise<RestoreSource | undefined> {
    const vs = await this.get(namespace, name);
    if (!vs) return undefined;
    const metadata = snapshotMetadata(vs);
    return { snapshot: vs, state: snapshotState(vs), ...(metadata ? { metadata } : {}) };
  }

  /** Only snapshots a backup made: a user's VolumeSnapshot that happens to bear a backup's name is kept. */
  async remove(namespace: string, names: string[]): Promise<void> {
    for (const name of names) {
      const backup = (await this.get(namespace, name))?.metadata.labels?.[SNAPSHOT_LABELS.backupName];
      if (!backup || (name !== backup && !name.startsWith(`${backup}-`))) continue;
      try {
        await this.api.deleteNamespacedCustomObject({ ...this.coordinates(namespace), name });
      } catch (e) {
        if (code(e) !== 404) throw e;
      }
    }
  }
}
