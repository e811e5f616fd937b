// bootstrap.recovery.volumeSnapshots on Kubernetes: the first instance's claims are made with the
// named VolumeSnapshots as their source, and its manager is told that its volumes came from them
// (with the backup_label an online snapshot needs back), as CloudNativePG's snapshot-recovery Job is.
import type { Cluster } from '../../api/index.js';
import type { KubeObject } from '../../api/meta.js';
import type { PvcRole } from '../../api/volumes.js';
import type { SnapshotBootstrap, SnapshotVolumes } from '../../instance/spec.js';
import type { ResourceStore } from '../../operator/platform.js';
import { snapshotIncoherence } from './snapshot-coherence.js';
import type { KubeSnapshots } from './snapshots.js';
import { claimFromSnapshot, SNAPSHOT_GROUP } from './volume-snapshot-specs.js';

/** The snapshot bootstrap.recovery.volumeSnapshots names for a claim, and the field that names it. */
function snapshotFor(b: SnapshotBootstrap, role: PvcRole, tablespace?: string): { name: string; field: string } | undefined {
  const field = 'bootstrap.recovery.volumeSnapshots';
  if (role === 'PG_DATA') return { name: b.snapshots.storage, field: `${field}.storage` };
  if (role === 'PG_WAL') return b.snapshots.walStorage ? { name: b.snapshots.walStorage, field: `${field}.walStorage` } : undefined;
  const name = b.snapshots.tablespaceStorage?.[tablespace ?? ''];
  return name ? { name, field: `${field}.tablespaceStorage.${tablespace}` } : undefined;
}

/** The claim as the first instance gets it: from its snapshot, when one is named for it. */
export async function claimFromRecovery(snapshots: KubeSnapshots, cluster: Cluster, claim: KubeObject, b: SnapshotBootstrap, role: PvcRole, tablespace?: string): Promise<KubeObject> {
  const wanted = snapshotFor(b, role, tablespace);
  if (!wanted) return claim;
  const namespace = cluster.metadata.namespace ?? 'default';
  const source = await snapshots.restoreSource(namespace, wanted.name);
  if (!source) throw new Error(`VolumeSnapshot ${namespace}/${wanted.name} (${wanted.field}) does not exist`);
  if (source.state.error) throw new Error(`VolumeSnapshot ${namespace}/${wanted.name} (${wanted.field}) failed: ${source.state.error}`);
  if (!source.state.ready) throw new Error(`VolumeSnapshot ${namespace}/${wanted.name} (${wanted.field}) is not ready to use yet`);
  const data = role === 'PG_WAL' ? (await snapshots.restoreSource(namespace, b.snapshots.storage))?.snapshot : undefined;
  const incoherent = snapshotIncoherence(source.snapshot, wanted.field, role, data);
  if (incoherent) throw new Error(incoherent);
  return claimFromSnapshot(claim, wanted.name, source.state.restoreSize);
}

/**
 * What the instance's manager needs to start from volumes made from snapshots; undefined when its
 * data claim was not made from one (a standby promoted later gets the same bootstrap in its spec).
 */
export async function snapshotVolumes(snapshots: KubeSnapshots, store: ResourceStore, cluster: Cluster, instance: string): Promise<SnapshotVolumes | undefined> {
  const namespace = cluster.metadata.namespace ?? 'default';
  const claim = await store.get('PersistentVolumeClaim', namespace, instance);
  const source = (claim?.spec as { dataSource?: { apiGroup?: string; kind?: string; name?: string } } | undefined)?.dataSource;
  if (!claim?.metadata.uid || source?.kind !== 'VolumeSnapshot' || source.apiGroup !== SNAPSHOT_GROUP || !source.name) return undefined;
  const metadata = await snapshots.describe(namespace, source.name);
  return {
    volume: claim.metadata.uid,
    ...(metadata?.online && metadata.backupLabel ? { backupLabel: metadata.backupLabel } : {}),
    ...(metadata?.online && metadata.tablespaceMap ? { tablespaceMap: metadata.tablespaceMap } : {}),
  };
}
