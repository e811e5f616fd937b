// What the Barman Cloud plugin's form reports: the Cluster's ContinuousArchiving condition while its
// ObjectStore is missing, and the ObjectStore's status.serverRecoveryWindow, which the plugin keeps
// per server folder from the catalog (the same figures the Cluster status shows in-tree).
import { isDeepStrictEqual } from 'node:util';
import type { ClusterStatus } from '../api/cluster-status.js';
import type { RecoveryWindow, StoredObjectStore } from '../api/object-store.js';
import { condition } from './conditions.js';
import type { MissingObjectStore, PluginStores } from './plugin-stores.js';

export function missingObjectStoreMessage(missing: MissingObjectStore, namespace: string): string {
  return `ObjectStore ${missing.name} (${missing.field}) does not exist in namespace ${namespace}`;
}

/** Pure: the archiver's ObjectStore missing, WAL is not archived anywhere: ContinuousArchiving says so. */
export function withMissingArchiveCondition(status: ClusterStatus, previous: ClusterStatus, missing: MissingObjectStore[], namespace: string, now: string): ClusterStatus {
  const archive = missing.find((m) => m.field.startsWith('spec.plugins'));
  if (!archive) return status;
  const message = `${missingObjectStoreMessage(archive, namespace)}: no WAL is archived and no backup can be taken until it does`;
  const continuous = { ...condition('ContinuousArchiving', false, ['ContinuousArchivingSuccess', 'ObjectStoreNotFound'], message, previous.conditions, now) };
  return { ...status, conditions: [...(status.conditions ?? []).filter((c) => c.type !== 'ContinuousArchiving'), continuous] };
}

/** Pure: the recovery window of one server folder from the Cluster status' catalog figures; undefined when the catalog said nothing. */
export function recoveryWindow(status: ClusterStatus): RecoveryWindow | undefined {
  const window: RecoveryWindow = {
    ...(status.firstRecoverabilityPoint ? { firstRecoverabilityPoint: status.firstRecoverabilityPoint } : {}),
    ...(status.lastSuccessfulBackup ? { lastSuccessfulBackupTime: status.lastSuccessfulBackup } : {}),
    ...(status.lastFailedBackup ? { lastFailedBackupTime: status.lastFailedBackup } : {}),
  };
  return Object.keys(window).length > 0 ? window : undefined;
}

/** Pure: the ObjectStore status with this server's window, or undefined when nothing changes. */
export function objectStoreStatusUpdate(objectStore: StoredObjectStore, serverName: string, window: RecoveryWindow | undefined): StoredObjectStore['status'] | undefined {
  if (!window) return undefined;
  const windows = objectStore.status?.serverRecoveryWindow ?? {};
  if (isDeepStrictEqual(windows[serverName], window)) return undefined;
  return { ...objectStore.status, serverRecoveryWindow: { ...windows, [serverName]: window } };
}

/** The archiver's ObjectStore and server folder, with the window to record there. */
export function recoveryWindowTarget(plugin: PluginStores<unknown>, status: ClusterStatus): { objectStore: string; serverName: string; window: RecoveryWindow } | undefined {
  const window = recoveryWindow(status);
  return plugin.archive && window ? { ...plugin.archive, window } : undefined;
}
