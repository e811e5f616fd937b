// The names and records of volume snapshots, as CloudNativePG has them (Backup
// status.snapshotBackupStatus.elements) plus what a restore of one needs.

export type SnapshotElementType = 'PG_DATA' | 'PG_WAL' | 'PG_TABLESPACE';

export interface SnapshotElement {
  name: string;
  type: SnapshotElementType;
  tablespaceName?: string;
}

/** Recorded with every element of one snapshot backup. */
export interface SnapshotMetadata {
  cluster: string;
  backup: string;
  instance: string;
  online: boolean;
  /** The elements of the same backup, so that one name leads to the others. */
  elements: SnapshotElement[];
  /** Online snapshots only: what pg_backup_stop returned, written back beside the data at restore. */
  backupLabel?: string;
  tablespaceMap?: string;
  beginLSN?: string;
  endLSN?: string;
  beginWal?: string;
  endWal?: string;
  timeline?: number;
  /** When the backup ended (cnpg.io/backupEndTime) and, where known, began (cnpg.io/backupStartTime). */
  takenAt: string;
  startedAt?: string;
  /** spec.backup.volumeSnapshot.snapshotOwnerReference: what deleting takes the snapshot with it. */
  owner: { policy: 'none' | 'cluster' | 'backup'; clusterUid?: string; backupUid?: string };
}

/** What a platform records on the snapshots it takes, for those that carry metadata of their own (VolumeSnapshots). */
export interface SnapshotTake {
  backupName: string;
  online: boolean;
  owner: SnapshotMetadata['owner'];
  /** The instance's pg_controldata output just before the cut, recorded on the snapshots as CloudNativePG does. */
  controlData?: string;
  /**
   * Told of an error the snapshot's driver reports: resolves to keep waiting (the driver retries),
   * rejects with why the Backup fails (operator/snapshot-deadline.ts decides). Without it, an error fails at once.
   */
  onError?: (message: string) => Promise<void>;
}

/** `<backup>`, `<backup>-wal`, `<backup>-tbs-<tablespace>`, as CloudNativePG names the VolumeSnapshots. */
export function snapshotElements(backupName: string, walStorage: boolean, tablespaces: readonly string[]): SnapshotElement[] {
  return [
    { name: backupName, type: 'PG_DATA' },
    ...(walStorage ? [{ name: `${backupName}-wal`, type: 'PG_WAL' as const }] : []),
    ...tablespaces.map((t) => ({ name: `${backupName}-tbs-${t.replace(/_/g, '-').toLowerCase()}`, type: 'PG_TABLESPACE' as const, tablespaceName: t })),
  ];
}

/** snapshotOwnerReference: a snapshot goes with its Backup (`backup`) or its Cluster (`cluster`); `none` keeps it. */
export function snapshotOwnerGone(metadata: Pick<SnapshotMetadata, 'owner'>, backup: { uid?: string } | undefined, cluster: { uid?: string } | undefined): boolean {
  const { policy, backupUid, clusterUid } = metadata.owner;
  const gone = (obj: { uid?: string } | undefined, uid: string | undefined) => !obj || (uid !== undefined && obj.uid !== undefined && obj.uid !== uid);
  if (policy === 'backup') return gone(backup, backupUid);
  if (policy === 'cluster') return gone(cluster, clusterUid);
  return false;
}

/**
 * A platform's refusal to take a snapshot under a name that exists already. Thrown before anything
 * is made, so that the failure path, which deletes what the run made, leaves the existing one alone.
 */
export class SnapshotNameTaken extends Error {}
