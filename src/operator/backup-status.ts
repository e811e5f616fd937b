// Pure: the Cluster status fields and conditions about continuous backup, from what the primary
// reports (archiving, catalog) and the Cluster's Backup objects.
import type { ClusterStatus, Condition, StoredCluster as Cluster } from '../api/cluster-status.js';
import type { InstanceStatus } from '../instance/status.js';
import { condition } from './conditions.js';
import type { ObservedBackup } from './types.js';
import { verificationCondition } from './verification-plan.js';

export interface BackupStatusPart {
  fields: Pick<ClusterStatus, 'firstRecoverabilityPoint' | 'lastSuccessfulBackup' | 'lastFailedBackup'>;
  conditions: Condition[];
}

export function backupConditions(cluster: Cluster, primary: InstanceStatus | undefined, backups: ObservedBackup[], previous: ClusterStatus, now: string): BackupStatusPart {
  const conditions: Condition[] = [];
  const fields: BackupStatusPart['fields'] = {
    firstRecoverabilityPoint: previous.firstRecoverabilityPoint,
    lastSuccessfulBackup: previous.lastSuccessfulBackup,
    lastFailedBackup: previous.lastFailedBackup,
  };
  if (!cluster.spec.backup?.barmanObjectStore && !cluster.spec.backup?.volumeSnapshot) return { fields: {}, conditions };
  const archiving = primary?.archiving;
  if (archiving) {
    const ok = !archiving.failing;
    const message = ok
      ? archiving.lastArchivedWal
        ? `Last archived WAL ${archiving.lastArchivedWal} at ${archiving.lastArchivedTime}`
        : 'Waiting for the first WAL segment'
      : `${archiving.lastFailedWal ?? 'WAL'}: ${archiving.lastError ?? 'archiving failed'}`;
    conditions.push(condition('ContinuousArchiving', ok, ['ContinuousArchivingSuccess', 'ContinuousArchivingFailing'], message, previous.conditions, now));
  } else {
    const before = previous.conditions?.find((c) => c.type === 'ContinuousArchiving');
    if (before) conditions.push(before);
  }
  const catalog = primary?.catalog;
  if (catalog && !catalog.error) {
    fields.firstRecoverabilityPoint = catalog.firstRecoverabilityPoint;
    fields.lastSuccessfulBackup = catalog.lastSuccessfulBackup;
    fields.lastFailedBackup = catalog.lastFailedBackup;
  }
  const finished = backups.filter((b) => b.phase === 'completed' || b.phase === 'failed');
  const last = finished.at(-1);
  const running = backups.find((b) => b.phase === 'running' || b.phase === 'started' || b.phase === 'finalizing' || b.phase === 'pending');
  if (running) {
    conditions.push({ ...condition('LastBackupSucceeded', true, ['BackupStarted', 'BackupStarted'], `Backup ${running.name} is running`, previous.conditions, now), reason: 'BackupStarted' });
  } else if (last) {
    const ok = last.phase === 'completed';
    conditions.push(condition('LastBackupSucceeded', ok, ['LastBackupSucceeded', 'LastBackupFailed'], ok ? `Backup ${last.name} completed` : `Backup ${last.name} failed: ${last.error ?? 'unknown error'}`, previous.conditions, now));
  }
  const verified = verificationCondition(backups, previous.conditions, now);
  if (verified) conditions.push(verified);
  return { fields, conditions };
}
