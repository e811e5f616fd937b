// A Backup with method volumeSnapshot, as CloudNativePG takes one: choose the instance (as for an
// object store backup); online, have its manager hold backup mode (pg_backup_start) while the
// platform snapshots its volumes, then leave it (pg_backup_stop) keeping the backup_label; cold,
// fence it (PostgreSQL stopped), snapshot, lift the fencing. Whatever fails, the instance is left
// out of backup mode and unfenced, the partial snapshots deleted, and the Backup failed with why.
// As in CloudNativePG the instance is let go as soon as the snapshots are cut; the Backup is then
// `finalizing` until they are ready to use, and a driver's error is waited on until the Backup's
// volumeSnapshotDeadline (snapshot-deadline.ts).
import type { BackupStatus } from '../api/backup.js';
import type { SnapshotBackupBegun, SnapshotBackupEnded } from '../instance/snapshot-backup.js';
import { checkpointRedo } from '../postgres/controldata.js';
import { chooseBackupInstance, type BackupObservation, type BackupPlan } from './backup-plan.js';
import { snapshotErrorVerdict } from './snapshot-deadline.js';
import { SnapshotNameTaken, snapshotElements, type SnapshotElement, type SnapshotMetadata, type SnapshotTake } from './snapshot-types.js';

export interface SnapshotRun {
  instance: string;
  backupName: string;
  online: boolean;
  immediateCheckpoint: boolean;
  waitForArchive: boolean;
  elements: SnapshotElement[];
  owner: SnapshotMetadata['owner'];
  /** The Backup's annotations (cnpg.io/volumeSnapshotDeadline). */
  annotations?: Record<string, string>;
}

export interface SnapshotBackupPlan extends Omit<BackupPlan, 'actions'> {
  /** The steps to run now, in this reconcile. */
  run?: SnapshotRun;
  /** An earlier run that did not finish (the operator stopped): what of it is to be undone. */
  release?: { run: SnapshotRun; held: boolean; fenced: boolean };
}

/** What the sequence needs done; each resolves once it is done (a fence: once PostgreSQL is stopped). */
export interface SnapshotOps {
  /** Resolves when the platform can take snapshots at all (on Kubernetes: the VolumeSnapshot API is served). */
  available(): Promise<void>;
  beginBackupMode(instance: string, request: { backupName: string; immediateCheckpoint: boolean }): Promise<SnapshotBackupBegun>;
  endBackupMode(instance: string, request: { backupName: string; waitForArchive: boolean }): Promise<SnapshotBackupEnded>;
  abortBackupMode(instance: string, backupName: string): Promise<void>;
  fence(instance: string): Promise<void>;
  unfence(instance: string): Promise<void>;
  /** pg_controldata of the instance; a failure only leaves the snapshots without it. */
  controlData(instance: string): Promise<string>;
  take(instance: string, elements: SnapshotElement[], taking: SnapshotTake): Promise<void>;
  ready(elements: SnapshotElement[], taking: SnapshotTake): Promise<void>;
  /** Records the Backup's status while the run goes on. */
  report(status: BackupStatus): Promise<void>;
  seal(instance: string, elements: SnapshotElement[], metadata: SnapshotMetadata): Promise<void>;
  remove(elements: SnapshotElement[]): Promise<void>;
}

const WAIT_MS = 2000;

function failed(status: BackupStatus, error: string, now: Date): SnapshotBackupPlan {
  return {
    status: { ...status, phase: 'failed', error, stoppedAt: status.stoppedAt ?? now.toISOString() },
    event: { type: 'Warning', reason: 'BackupFailed', message: error },
  };
}

export function planSnapshotBackup(o: BackupObservation, snapshotsAvailable: boolean): SnapshotBackupPlan {
  const status: BackupStatus = { ...(o.backup.status ?? {}) };
  const { backup, cluster } = o;
  if (status.phase === 'completed' || status.phase === 'failed') return { status };
  if (!cluster) return failed(status, `cluster ${backup.spec.cluster.name} does not exist`, o.now);
  if (!snapshotsAvailable) return failed(status, 'volume snapshots are not available on this platform yet', o.now);
  const config = cluster.spec.backup?.volumeSnapshot;
  if (!config) return failed(status, `cluster ${cluster.metadata.name} has no spec.backup.volumeSnapshot`, o.now);
  // A Cluster read from Kubernetes without the defaulting webhook carries only what the user wrote.
  const online = backup.spec.online ?? config.online ?? true;
  const given: { waitForArchive?: boolean; immediateCheckpoint?: boolean } = { ...config.onlineConfiguration, ...(backup.spec.onlineConfiguration ?? {}) };
  const onlineConfiguration = { waitForArchive: given.waitForArchive ?? true, immediateCheckpoint: given.immediateCheckpoint ?? false };
  const elements = snapshotElements(backup.metadata.name, Boolean(cluster.spec.walStorage), (cluster.spec.tablespaces ?? []).map((t) => t.name));
  const run = (instance: string): SnapshotRun => ({
    instance,
    backupName: backup.metadata.name,
    online,
    immediateCheckpoint: onlineConfiguration.immediateCheckpoint,
    waitForArchive: onlineConfiguration.waitForArchive,
    elements,
    owner: { policy: config.snapshotOwnerReference ?? 'none', clusterUid: cluster.metadata.uid, backupUid: backup.metadata.uid },
    ...(backup.metadata.annotations ? { annotations: backup.metadata.annotations } : {}),
  });

  if (status.phase === 'running' || status.phase === 'started' || status.phase === 'finalizing') {
    const instance = status.instanceID?.podName;
    const finalizing = status.phase === 'finalizing';
    const why = finalizing ? 'waiting for the snapshots to be ready to use' : `snapshotting ${instance ?? 'the instance'}`;
    const plan = failed(status, `the operator stopped while ${why}; the snapshots are incomplete`, o.now);
    if (!instance) return plan;
    const wasOnline = status.online ?? online;
    // Finalizing, the instance was let go already: only the snapshots are left to delete.
    return { ...plan, release: { run: { ...run(instance), online: wasOnline }, held: !finalizing && wasOnline, fenced: !finalizing && !wasOnline } };
  }
  // pg_backup_stop would wait for an archive that does not take the WAL, with the instance held in backup mode.
  const archiving = o.instances.find((i) => i.status?.isPrimary === true || i.status?.designatedPrimary === true)?.status?.archiving;
  if (online && onlineConfiguration.waitForArchive && archiving?.failing) {
    return failed(status, `WAL archiving is failing, so an online snapshot could not wait for its WAL: ${archiving.lastError ?? 'unknown error'} (or set onlineConfiguration.waitForArchive: false)`, o.now);
  }
  const target = backup.spec.target ?? cluster.spec.backup?.target ?? 'prefer-standby';
  const instance = chooseBackupInstance(target, o.instances);
  if (!instance) return { status: { ...status, phase: 'pending' }, requeueAfterMs: WAIT_MS };
  const fencesPrimary = !online && instance.status?.isPrimary === true;
  return {
    status: {
      ...status,
      phase: 'running',
      method: 'volumeSnapshot',
      online,
      backupName: backup.metadata.name,
      instanceID: { podName: instance.name },
      snapshotBackupStatus: { elements },
      startedAt: o.now.toISOString(),
      error: undefined,
    },
    run: run(instance.name),
    event: fencesPrimary
      ? { type: 'Warning', reason: 'FencingPrimary', message: `Cold snapshot backup ${backup.metadata.name} targets the primary ${instance.name}: it is fenced (stopped) until the snapshot is taken` }
      : { type: 'Normal', reason: 'Starting', message: `Backup ${backup.metadata.name} starting on ${instance.name} (${online ? 'online' : 'cold'} volume snapshot, ${target})` },
  };
}

/** Runs the steps; never rejects: a failure is the Backup's status, with the instance released. */
export async function runSnapshotBackup(run: SnapshotRun, status: BackupStatus, ops: SnapshotOps, cluster: string, now: () => Date): Promise<Pick<SnapshotBackupPlan, 'status' | 'event'>> {
  let begun: SnapshotBackupBegun | undefined;
  let held = false;
  let fenced = false;
  let taken = false;
  let step = '';
  let current = status;
  const onError = async (message: string) => {
    const verdict = snapshotErrorVerdict(current, run.annotations, message, now());
    if (!verdict.retry) throw new Error(verdict.error);
    if (verdict.status !== current) {
      current = verdict.status;
      await ops.report(current);
    }
  };
  try {
    step = 'prepare the snapshots';
    await ops.available();
    if (run.online) {
      step = 'enter backup mode';
      begun = await ops.beginBackupMode(run.instance, { backupName: run.backupName, immediateCheckpoint: run.immediateCheckpoint });
      held = true;
    } else {
      step = 'fence the instance';
      fenced = true;
      await ops.fence(run.instance);
    }
    // Read with the instance in backup mode (or stopped), as CloudNativePG reads it just before the cut.
    const controlData = await ops.controlData(run.instance).catch(() => undefined);
    const taking: SnapshotTake = { backupName: run.backupName, online: run.online, owner: run.owner, onError, ...(controlData ? { controlData } : {}) };
    step = 'snapshot the volumes';
    taken = true;
    await ops.take(run.instance, run.elements, taking).catch((e: unknown) => {
      // Another backup's snapshot under this name: not ours to delete.
      if (e instanceof SnapshotNameTaken) taken = false;
      throw e;
    });
    let ended: SnapshotBackupEnded | undefined;
    if (run.online) {
      step = 'leave backup mode';
      ended = await ops.endBackupMode(run.instance, { backupName: run.backupName, waitForArchive: run.waitForArchive });
      held = false;
    } else {
      step = 'lift the fencing';
      await ops.unfence(run.instance);
      fenced = false;
    }
    current = { ...current, phase: 'finalizing', ...positions(begun, ended, controlData), error: undefined };
    step = 'record the backup as finalizing';
    await ops.report(current);
    step = 'wait for the snapshots to be ready to use';
    await ops.ready(run.elements, taking);
    const stoppedAt = now().toISOString();
    const metadata: SnapshotMetadata = {
      cluster,
      backup: run.backupName,
      instance: run.instance,
      online: run.online,
      elements: run.elements,
      ...(begun ? { beginLSN: begun.beginLSN, beginWal: begun.beginWal } : {}),
      ...(ended ? { endLSN: ended.endLSN, endWal: ended.endWal, timeline: ended.timeline, backupLabel: ended.backupLabel, tablespaceMap: ended.tablespaceMap } : {}),
      takenAt: stoppedAt,
      ...(current.startedAt ? { startedAt: current.startedAt } : {}),
      owner: run.owner,
    };
    step = 'record the snapshots';
    await ops.seal(run.instance, run.elements, metadata);
    return {
      status: { ...current, phase: 'completed', stoppedAt, error: undefined },
      event: { type: 'Normal', reason: 'Completed', message: `Backup ${run.backupName} completed: ${run.elements.map((e) => e.name).join(', ')}` },
    };
  } catch (e) {
    const problems = [`could not ${step} on ${run.instance}: ${(e as Error).message}`];
    problems.push(...(await release(run, ops, { held, fenced, taken })));
    const error = problems.join('; ');
    return { status: { ...current, phase: 'failed', error, stoppedAt: now().toISOString() }, event: { type: 'Warning', reason: 'BackupFailed', message: error } };
  }
}

/**
 * Where the backup's WAL begins and ends: an online one's from pg_backup_start/stop; a cold one's,
 * as CloudNativePG has it, the stopped instance's last checkpoint (its redo point) for both.
 */
function positions(begun: SnapshotBackupBegun | undefined, ended: SnapshotBackupEnded | undefined, controlData: string | undefined): Partial<BackupStatus> {
  if (begun || ended) {
    return {
      ...(begun ? { beginLSN: begun.beginLSN, beginWal: begun.beginWal } : {}),
      ...(ended ? { endLSN: ended.endLSN, endWal: ended.endWal, timeline: ended.timeline } : {}),
    };
  }
  const redo = controlData ? checkpointRedo(controlData) : {};
  return {
    ...(redo.redoWal ? { beginWal: redo.redoWal, endWal: redo.redoWal } : {}),
    ...(redo.redoLsn ? { beginLSN: redo.redoLsn, endLSN: redo.redoLsn } : {}),
    ...(redo.timeline ? { timeline: redo.timeline } : {}),
  };
}

/**
 * Leaves the instance as it was before the backup: out of backup mode, unfenced; partial snapshots
 * deleted. Every step is tried; what fails is returned, to be told.
 */
export async function release(run: SnapshotRun, ops: SnapshotOps, what: { held: boolean; fenced: boolean; taken: boolean }): Promise<string[]> {
  const problems: string[] = [];
  const attempt = async (label: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (e) {
      problems.push(`could not ${label}: ${(e as Error).message}`);
    }
  };
  if (what.held) await attempt(`leave backup mode on ${run.instance}`, () => ops.abortBackupMode(run.instance, run.backupName));
  if (what.fenced) await attempt(`lift the fencing of ${run.instance}`, () => ops.unfence(run.instance));
  if (what.taken) await attempt('delete the partial snapshots', () => ops.remove(run.elements));
  return problems;
}
