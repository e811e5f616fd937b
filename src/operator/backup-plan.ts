// Pure: the next step of one Backup, from its status, its Cluster and what the instances report.
import type { BackupStatus, StoredBackup } from '../api/backup.js';
import type { StoredCluster as Cluster } from '../api/cluster-status.js';
import type { BackupReport } from '../instance/base-backup.js';
import { compareLsn } from '../postgres/lsn.js';
import { archiveStore } from './stores.js';
import { BARMAN_CLOUD_PLUGIN } from '../api/barman-plugin.js';
import type { ObservedInstance } from './types.js';

export interface BackupObservation {
  backup: StoredBackup;
  cluster?: Cluster;
  instances: ObservedInstance[];
  /** The report of the instance running this backup; null when that instance does not know it. */
  report?: BackupReport | null;
  now: Date;
}

export type BackupAction =
  | { kind: 'startBackup'; instance: string; backupName: string; immediateCheckpoint?: boolean; jobs?: number }
  | { kind: 'refreshCatalog'; instance: string };

export interface BackupPlan {
  status: BackupStatus;
  actions: BackupAction[];
  requeueAfterMs?: number;
  event?: { type: 'Normal' | 'Warning'; reason: string; message: string };
}

const POLL_MS = 1000;
const WAIT_MS = 2000;

const ready = (i: ObservedInstance) => Boolean(i.running && i.status?.ready);

/** Takes the writes, or (a replica cluster's designated primary) follows the source and archives what it receives. */
const leads = (i: ObservedInstance) => i.status?.isPrimary === true || i.status?.designatedPrimary === true;

/**
 * prefer-standby: the ready standby that has replayed the most WAL; the primary otherwise. In a
 * replica cluster, always its designated primary (as CloudNativePG's documentation says): it is the
 * one instance that archives into the cluster's store and can have the source switch segments, so
 * the backup's last WAL file arrives; a cascading standby's backup would wait for the source's next switch.
 */
export function chooseBackupInstance(target: 'primary' | 'prefer-standby', instances: ObservedInstance[]): ObservedInstance | undefined {
  const designated = instances.find((i) => i.status?.designatedPrimary === true);
  if (designated) return ready(designated) ? designated : undefined;
  const primary = instances.find((i) => ready(i) && i.status?.isPrimary);
  if (target === 'primary') return primary;
  const standbys = instances
    .filter((i) => ready(i) && i.status?.isPrimary === false)
    .sort((a, b) => compareLsn(b.status?.replayLsn, a.status?.replayLsn) || a.serial - b.serial);
  return standbys[0] ?? primary;
}

function failed(status: BackupStatus, error: string, now: Date): BackupPlan {
  return {
    status: { ...status, phase: 'failed', error, stoppedAt: status.stoppedAt ?? now.toISOString() },
    actions: [],
    event: { type: 'Warning', reason: 'BackupFailed', message: error },
  };
}

function noStore(cluster: string, method: string): string {
  return method === 'plugin'
    ? `cluster ${cluster} has no ObjectStore to back up to: it needs spec.plugins with ${BARMAN_CLOUD_PLUGIN}, isWALArchiver: true and an existing ObjectStore named by parameters.barmanObjectName`
    : `cluster ${cluster} has no spec.backup.barmanObjectStore to back up to`;
}

export function planBackup(o: BackupObservation): BackupPlan {
  const status: BackupStatus = { ...(o.backup.status ?? {}) };
  const { backup, cluster } = o;
  if (status.phase === 'completed' || status.phase === 'failed') return { status, actions: [] };
  const clusterName = backup.spec.cluster.name;
  if (!cluster) return failed(status, `cluster ${clusterName} does not exist`, o.now);
  const method = backup.spec.method ?? 'barmanObjectStore';
  // method: plugin names the Barman Cloud plugin (checked at admission), whose ObjectStore the
  // Cluster's plugin form resolved into barmanObjectStore (plugin-stores.ts): the same base backup.
  if (method === 'volumeSnapshot') return failed(status, `method ${method} is not supported yet; use barmanObjectStore or plugin`, o.now);
  const store = cluster.spec.backup?.barmanObjectStore;
  const archive = archiveStore(cluster);
  if (!store || !archive) return failed(status, noStore(clusterName, method), o.now);

  if (status.phase === 'running' || status.phase === 'started') return followRunning(o, status);

  const primary = o.instances.find(leads);
  if (primary?.status?.archiving?.failing) {
    return failed(status, `WAL archiving is failing, so a backup could not be restored: ${primary.status.archiving.lastError ?? 'unknown error'}`, o.now);
  }
  const target = backup.spec.target ?? cluster.spec.backup?.target ?? 'prefer-standby';
  const instance = chooseBackupInstance(target, o.instances);
  if (!instance) return { status: { ...status, phase: 'pending' }, actions: [], requeueAfterMs: WAIT_MS };
  return {
    status: {
      ...status,
      phase: 'running',
      method,
      backupName: backup.metadata.name,
      destinationPath: archive.destinationPath,
      serverName: archive.serverName,
      endpointURL: archive.endpointURL,
      s3Credentials: store.s3Credentials,
      azureCredentials: store.azureCredentials,
      googleCredentials: store.googleCredentials,
      endpointCA: store.endpointCA,
      instanceID: { podName: instance.name },
      startedAt: o.now.toISOString(),
      error: undefined,
    },
    actions: [{ kind: 'startBackup', instance: instance.name, backupName: backup.metadata.name, immediateCheckpoint: store.data?.immediateCheckpoint, jobs: store.data?.jobs }],
    requeueAfterMs: POLL_MS,
    event: { type: 'Normal', reason: 'Starting', message: `Backup ${backup.metadata.name} starting on ${instance.name} (${target})` },
  };
}

function followRunning(o: BackupObservation, status: BackupStatus): BackupPlan {
  const podName = status.instanceID?.podName;
  const instance = o.instances.find((i) => i.name === podName);
  if (!instance?.running) return failed(status, `instance ${podName ?? '?'} stopped during the backup`, o.now);
  if (o.report === undefined) return { status, actions: [], requeueAfterMs: POLL_MS };
  if (o.report === null) return failed(status, `instance ${podName} has no record of this backup (its manager lost it)`, o.now);
  const r = o.report;
  const next: BackupStatus = {
    ...status,
    backupId: r.backupId ?? status.backupId,
    beginWal: r.beginWal,
    endWal: r.endWal,
    beginLSN: r.beginLSN,
    endLSN: r.endLSN,
    timeline: r.timeline,
    startedAt: r.startedAt ?? status.startedAt,
  };
  if (r.phase === 'running') return { status: next, actions: [], requeueAfterMs: POLL_MS };
  if (r.phase === 'failed') return failed(next, r.error ?? 'the backup failed', o.now);
  const primary = o.instances.find((i) => leads(i) && i.running);
  return {
    status: { ...next, phase: 'completed', stoppedAt: r.stoppedAt, error: undefined },
    actions: primary ? [{ kind: 'refreshCatalog', instance: primary.name }] : [],
    event: { type: 'Normal', reason: 'Completed', message: `Backup ${o.backup.metadata.name} completed: ${r.backupId} (${r.beginWal} … ${r.endWal})` },
  };
}
