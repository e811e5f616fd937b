// Before a Cluster is made from bootstrap.recovery.volumeSnapshots, what CloudNativePG checks on the
// named VolumeSnapshots (its VerifyDataSourceCoherence): each was taken of the kind of volume it is
// named for (cnpg.io/pvcRole, a label on a claim, an annotation on a snapshot of ours), and the data
// and WAL snapshots come from the same backup (cnpg.io/backupName). A snapshot without a role or a
// backup name (taken by hand) is accepted, as there.
import type { KubeObject } from '../../api/meta.js';
import { LABELS } from '../../api/names.js';
import type { PvcRole } from '../../api/volumes.js';
import { SNAPSHOT_LABELS } from './volume-snapshot-specs.js';

/** Why the snapshot cannot fill a volume of `role`; undefined when it can. `data` is the PG_DATA snapshot, for a WAL one. */
export function snapshotIncoherence(snapshot: KubeObject, field: string, role: PvcRole, data?: KubeObject): string | undefined {
  const found = snapshot.metadata.labels?.[LABELS.pvcRole] ?? snapshot.metadata.annotations?.[LABELS.pvcRole];
  const name = snapshot.metadata.name;
  if (found && found !== role) return `VolumeSnapshot ${name} (${field}) is a snapshot of a ${found} volume, not of a ${role} one`;
  if (role === 'PG_WAL' && data) {
    const walBackup = snapshot.metadata.labels?.[SNAPSHOT_LABELS.backupName] ?? '';
    const dataBackup = data.metadata.labels?.[SNAPSHOT_LABELS.backupName] ?? '';
    if (walBackup !== dataBackup) {
      return `VolumeSnapshot ${name} (${field}) belongs to backup '${walBackup}' and ${data.metadata.name} (storage) to backup '${dataBackup}': the data and WAL snapshots must come from the same backup`;
    }
  }
  return undefined;
}
