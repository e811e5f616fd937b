// Pure builders for volume snapshots on Kubernetes (snapshot.storage.k8s.io/v1), with the names,
// labels and annotations CloudNativePG gives them, so that its tooling and ours read each other's:
// one VolumeSnapshot per volume of the instance, the backup's label file and tablespace map kept
// as base64 annotations for the recovery to write back, and a claim made from one as its source.
import type { Cluster } from '../../api/index.js';
import type { KubeObject, OwnerReference } from '../../api/meta.js';
import { ANNOTATIONS, LABELS } from '../../api/names.js';
import { parseQuantity } from '../../api/quantity.js';
import { pvcName, type PvcRole } from '../../api/volumes.js';
import type { SnapshotElement, SnapshotMetadata, SnapshotTake } from '../../operator/snapshot-types.js';
import { checkpointRedo } from '../../postgres/controldata.js';
import { ownerReference } from './specs.js';

export const SNAPSHOT_GROUP = 'snapshot.storage.k8s.io';
export const SNAPSHOT_VERSION = 'v1';
export const SNAPSHOT_PLURAL = 'volumesnapshots';

/** CloudNativePG's names for what a VolumeSnapshot of a backup carries. */
export const SNAPSHOT_LABELS = {
  backupName: 'cnpg.io/backupName',
  majorVersion: 'cnpg.io/majorVersion',
  backupDate: 'cnpg.io/backupDate',
  backupMonth: 'cnpg.io/backupMonth',
  backupYear: 'cnpg.io/backupYear',
  backupTimeline: 'cnpg.io/backupTimeline',
} as const;

export const SNAPSHOT_ANNOTATIONS = {
  online: 'cnpg.io/onlineBackup',
  backupLabelFile: 'cnpg.io/backupLabelFile',
  tablespaceMapFile: 'cnpg.io/backupTablespaceMapFile',
  startWal: 'cnpg.io/backupStartWAL',
  endWal: 'cnpg.io/backupEndWAL',
  startTime: 'cnpg.io/backupStartTime',
  endTime: 'cnpg.io/backupEndTime',
  snapshotStartTime: 'cnpg.io/snapshotStartTime',
  snapshotEndTime: 'cnpg.io/snapshotEndTime',
  pgControldata: 'cnpg.io/pgControldata',
  clusterManifest: 'cnpg.io/clusterManifest',
  /** Ours: the LSNs, which CloudNativePG keeps only in the Backup's status. */
  beginLsn: 'cnpg.io/backupBeginLSN',
  endLsn: 'cnpg.io/backupEndLSN',
} as const;

/**
 * Labels of the claim that say which instance and volume it is: on a VolumeSnapshot they become
 * annotations, as in CloudNativePG, so that a claim made from the snapshot does not look like one of
 * the instance's own.
 */
const MOVED_TO_ANNOTATIONS = [LABELS.instanceName, LABELS.instanceRole, LABELS.legacyRole, LABELS.pvcRole];

type VolumeSnapshotConfig = NonNullable<NonNullable<Cluster['spec']['backup']>['volumeSnapshot']>;

/** className for the data; walClassName and each tablespaceClassName default to it. */
export function snapshotClassFor(config: VolumeSnapshotConfig | undefined, element: SnapshotElement): string | undefined {
  if (element.type === 'PG_WAL') return config?.walClassName ?? config?.className;
  if (element.type === 'PG_TABLESPACE') return config?.tablespaceClassName?.[element.tablespaceName ?? ''] ?? config?.className;
  return config?.className;
}

export function claimOf(instance: string, element: SnapshotElement): string {
  return pvcName(instance, element.type as PvcRole, element.tablespaceName);
}

/** snapshotOwnerReference: `cluster` or `backup` makes the snapshot go with that object; `none` keeps it. */
export function snapshotOwners(cluster: Cluster, taking: SnapshotTake): OwnerReference[] {
  if (taking.owner.policy === 'cluster') return [ownerReference(cluster)];
  if (taking.owner.policy === 'backup' && taking.owner.backupUid) {
    return [{ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Backup', name: taking.backupName, uid: taking.owner.backupUid, controller: true }];
  }
  return [];
}

export interface SnapshotInputs {
  instance: string;
  element: SnapshotElement;
  /** The claim being snapshotted, whose labels and annotations the snapshot starts from. */
  claim: KubeObject | undefined;
  taking: SnapshotTake;
  /** The PostgreSQL major of the data, for cnpg.io/majorVersion. */
  major?: number;
  now: Date;
}

export function volumeSnapshotObject(cluster: Cluster, p: SnapshotInputs): KubeObject {
  const config = cluster.spec.backup?.volumeSnapshot;
  const labels: Record<string, string> = { ...(p.claim?.metadata.labels ?? {}), ...(config?.labels ?? {}) };
  const annotations: Record<string, string> = { ...(p.claim?.metadata.annotations ?? {}), ...(config?.annotations ?? {}) };
  // The claim's bookkeeping means nothing on a snapshot (its hashes, peers, kept-volume status).
  for (const key of Object.keys(annotations)) if (key.startsWith('cnpg.io/') && key !== ANNOTATIONS.serial) delete annotations[key];
  for (const key of MOVED_TO_ANNOTATIONS) {
    if (labels[key] === undefined) continue;
    annotations[key] = labels[key];
    delete labels[key];
  }
  const day = p.now.toISOString().slice(0, 10).replace(/-/g, '');
  Object.assign(labels, {
    [LABELS.cluster]: cluster.metadata.name,
    [SNAPSHOT_LABELS.backupName]: p.taking.backupName,
    [SNAPSHOT_LABELS.backupDate]: day,
    [SNAPSHOT_LABELS.backupMonth]: day.slice(0, 6),
    [SNAPSHOT_LABELS.backupYear]: day.slice(0, 4),
    [LABELS.appName]: 'postgresql',
    [LABELS.appInstance]: cluster.metadata.name,
    [LABELS.component]: 'database',
    [LABELS.managedBy]: 'cloudnative-pg',
    ...(p.major !== undefined ? { [SNAPSHOT_LABELS.majorVersion]: String(p.major), 'app.kubernetes.io/version': String(p.major) } : {}),
  });
  Object.assign(annotations, {
    [LABELS.instanceName]: p.instance,
    [LABELS.pvcRole]: p.element.type,
    [SNAPSHOT_ANNOTATIONS.online]: String(p.taking.online),
    [SNAPSHOT_ANNOTATIONS.clusterManifest]: JSON.stringify(cluster),
  });
  if (p.taking.controlData) {
    // As CloudNativePG records it before the cut; an online backup's end WAL is corrected when sealed.
    const redo = checkpointRedo(p.taking.controlData);
    annotations[SNAPSHOT_ANNOTATIONS.pgControldata] = p.taking.controlData;
    if (redo.timeline !== undefined) labels[SNAPSHOT_LABELS.backupTimeline] = String(redo.timeline);
    if (redo.redoWal) Object.assign(annotations, { [SNAPSHOT_ANNOTATIONS.startWal]: redo.redoWal, [SNAPSHOT_ANNOTATIONS.endWal]: redo.redoWal });
  }
  const owners = snapshotOwners(cluster, p.taking);
  const className = snapshotClassFor(config, p.element);
  return {
    apiVersion: `${SNAPSHOT_GROUP}/${SNAPSHOT_VERSION}`,
    kind: 'VolumeSnapshot',
    metadata: {
      name: p.element.name,
      namespace: cluster.metadata.namespace,
      labels,
      annotations,
      ...(owners.length > 0 ? { ownerReferences: owners } : {}),
    },
    spec: {
      source: { persistentVolumeClaimName: claimOf(p.instance, p.element) },
      ...(className ? { volumeSnapshotClassName: className } : {}),
    },
  };
}

/** A time as Go's RFC 3339 writes it (whole seconds, UTC), which is how CloudNativePG's annotations carry times. */
export function rfc3339(at: Date | string): string {
  return new Date(at).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Once a snapshot is cut: when the driver cut it (its creationTime) and when that was seen; undefined when recorded already. */
export function cutAnnotations(vs: KubeObject, now: Date): Record<string, string> | undefined {
  if (vs.metadata.annotations?.[SNAPSHOT_ANNOTATIONS.snapshotEndTime]) return undefined;
  const created = (vs.status as { creationTime?: string } | undefined)?.creationTime;
  return { [SNAPSHOT_ANNOTATIONS.snapshotEndTime]: rfc3339(now), ...(created ? { [SNAPSHOT_ANNOTATIONS.snapshotStartTime]: rfc3339(created) } : {}) };
}

/** What the backup learnt, set on every snapshot of it once it is complete (a merge patch's annotations). */
export function sealAnnotations(metadata: SnapshotMetadata): Record<string, string> {
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  return {
    [SNAPSHOT_ANNOTATIONS.online]: String(metadata.online),
    [SNAPSHOT_ANNOTATIONS.endTime]: rfc3339(metadata.takenAt),
    ...(metadata.startedAt ? { [SNAPSHOT_ANNOTATIONS.startTime]: rfc3339(metadata.startedAt) } : {}),
    ...(metadata.backupLabel ? { [SNAPSHOT_ANNOTATIONS.backupLabelFile]: b64(metadata.backupLabel) } : {}),
    ...(metadata.tablespaceMap ? { [SNAPSHOT_ANNOTATIONS.tablespaceMapFile]: b64(metadata.tablespaceMap) } : {}),
    ...(metadata.beginWal ? { [SNAPSHOT_ANNOTATIONS.startWal]: metadata.beginWal } : {}),
    ...(metadata.endWal ? { [SNAPSHOT_ANNOTATIONS.endWal]: metadata.endWal } : {}),
    ...(metadata.beginLSN ? { [SNAPSHOT_ANNOTATIONS.beginLsn]: metadata.beginLSN } : {}),
    ...(metadata.endLSN ? { [SNAPSHOT_ANNOTATIONS.endLsn]: metadata.endLSN } : {}),
  };
}

export interface SnapshotState {
  /** The CSI driver's error (status.error.message). */
  error?: string;
  /** The snapshot is cut (bound to its content, with a creation time): the volume may change again. */
  cut: boolean;
  ready: boolean;
  restoreSize?: string;
}

interface VolumeSnapshotStatus {
  boundVolumeSnapshotContentName?: string;
  creationTime?: string;
  readyToUse?: boolean;
  restoreSize?: string | number;
  error?: { message?: string; time?: string };
}

export function snapshotState(vs: KubeObject): SnapshotState {
  const status = (vs.status ?? {}) as VolumeSnapshotStatus;
  if (status.error) return { error: status.error.message ?? 'the CSI driver reported an error without a message', cut: false, ready: false };
  const cut = Boolean(status.boundVolumeSnapshotContentName) && Boolean(status.creationTime);
  return { cut, ready: cut && status.readyToUse === true, ...(status.restoreSize !== undefined ? { restoreSize: String(status.restoreSize) } : {}) };
}

/** What a snapshot of a backup records (for a restore); undefined for a VolumeSnapshot no backup of ours made. */
export function snapshotMetadata(vs: KubeObject): SnapshotMetadata | undefined {
  const labels = vs.metadata.labels ?? {};
  const a = vs.metadata.annotations ?? {};
  const backup = labels[SNAPSHOT_LABELS.backupName];
  const cluster = labels[LABELS.cluster];
  if (!backup || !cluster) return undefined;
  const text = (b64: string | undefined) => (b64 ? Buffer.from(b64, 'base64').toString() : undefined);
  const owner = vs.metadata.ownerReferences?.[0];
  const role = a[LABELS.pvcRole] as SnapshotElement['type'] | undefined;
  return {
    cluster,
    backup,
    instance: a[LABELS.instanceName] ?? '',
    online: a[SNAPSHOT_ANNOTATIONS.online] === 'true',
    elements: role ? [{ name: vs.metadata.name, type: role }] : [],
    ...(a[SNAPSHOT_ANNOTATIONS.backupLabelFile] ? { backupLabel: text(a[SNAPSHOT_ANNOTATIONS.backupLabelFile]) } : {}),
    ...(a[SNAPSHOT_ANNOTATIONS.tablespaceMapFile] ? { tablespaceMap: text(a[SNAPSHOT_ANNOTATIONS.tablespaceMapFile]) } : {}),
    ...(a[SNAPSHOT_ANNOTATIONS.startWal] ? { beginWal: a[SNAPSHOT_ANNOTATIONS.startWal] } : {}),
    ...(a[SNAPSHOT_ANNOTATIONS.endWal] ? { endWal: a[SNAPSHOT_ANNOTATIONS.endWal] } : {}),
    ...(a[SNAPSHOT_ANNOTATIONS.beginLsn] ? { beginLSN: a[SNAPSHOT_ANNOTATIONS.beginLsn] } : {}),
    ...(a[SNAPSHOT_ANNOTATIONS.endLsn] ? { endLSN: a[SNAPSHOT_ANNOTATIONS.endLsn] } : {}),
    takenAt: a[SNAPSHOT_ANNOTATIONS.endTime] ?? vs.metadata.creationTimestamp ?? '',
    owner: owner?.kind === 'Backup' ? { policy: 'backup', backupUid: owner.uid } : owner?.kind === 'Cluster' ? { policy: 'cluster', clusterUid: owner.uid } : { policy: 'none' },
  };
}

/** The larger of two storage sizes; either may be missing. */
export function largerSize(a: string | undefined, b: string | undefined): string | undefined {
  if (!a || !b) return a ?? b;
  const [x, y] = [parseQuantity(a), parseQuantity(b)];
  if (x === undefined || y === undefined) return a;
  return y > x ? b : a;
}

/**
 * A claim of the first instance of a Cluster recovered from snapshots: the CSI driver fills it from
 * the VolumeSnapshot (dataSource), and it is at least as large as the snapshot's restoreSize.
 */
export function claimFromSnapshot(claim: KubeObject, snapshot: string, restoreSize: string | undefined): KubeObject {
  const spec = { ...((claim.spec ?? {}) as Record<string, unknown>) };
  const resources = (spec.resources ?? {}) as { requests?: Record<string, string> };
  const size = largerSize(resources.requests?.storage, restoreSize);
  spec.dataSource = { apiGroup: SNAPSHOT_GROUP, kind: 'VolumeSnapshot', name: snapshot };
  if (size) spec.resources = { ...resources, requests: { ...(resources.requests ?? {}), storage: size } };
  return { ...claim, spec };
}
