// Pure: restore drills of Backups. Which Backup a drill restores, whether a Backup's request asks
// for one now, what its outcome writes (status.verification, an Event, the Cluster's
// BackupVerified condition) and the metric samples it gives.
import { parseVerificationRequest, VERIFY_ANNOTATION, type BackupVerification, type Parsed, type VerificationRequest } from '../api/backup-verification.js';
import type { StoredBackup } from '../api/backup.js';
import type { Condition } from '../api/cluster-status.js';
import type { DrillOutcome } from '../instance/restore-drill.js';
import { condition } from './conditions.js';

/** The Backup a drill restores: the one named, or the Cluster's newest completed one. */
export function chooseBackupToVerify(backups: StoredBackup[], cluster: string, name?: string): Parsed<StoredBackup> {
  const mine = backups.filter((b) => b.spec.cluster.name === cluster);
  if (name !== undefined) {
    const named = backups.find((b) => b.metadata.name === name);
    if (!named) return { ok: false, message: `Backup ${name} does not exist` };
    if (named.spec.cluster.name !== cluster) return { ok: false, message: `Backup ${name} belongs to cluster ${named.spec.cluster.name}, not ${cluster}` };
    if (named.status?.phase !== 'completed') return { ok: false, message: `Backup ${name} is ${named.status?.phase ?? 'pending'}: only a completed backup can be restored` };
    if (named.spec.method !== 'barmanObjectStore') return { ok: false, message: `Backup ${name} was taken with method ${named.spec.method}: drills restore barmanObjectStore backups only` };
    return { ok: true, value: named };
  }
  const done = mine
    .filter((b) => b.status?.phase === 'completed' && b.spec.method === 'barmanObjectStore')
    .sort((a, b) => (a.status?.stoppedAt ?? '').localeCompare(b.status?.stoppedAt ?? '') || a.metadata.name.localeCompare(b.metadata.name));
  const newest = done.at(-1);
  if (!newest) {
    return { ok: false, message: `cluster ${cluster} has no completed barmanObjectStore Backup (${mine.length} Backup object(s) in all): take one with \`backup ${cluster} --wait\`` };
  }
  return { ok: true, value: newest };
}

export interface VerificationEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export type VerificationStep =
  | { kind: 'none' }
  /** The Backup has not finished yet: the drill waits for it. */
  | { kind: 'wait' }
  | { kind: 'record'; verification: BackupVerification; event: VerificationEvent }
  | { kind: 'run'; request: VerificationRequest };

/** `inFlight`: this operator is running a drill of this Backup right now. */
export function planVerification(backup: StoredBackup, inFlight: boolean): VerificationStep {
  const raw = backup.metadata.annotations?.[VERIFY_ANNOTATION];
  const parsed = parseVerificationRequest(raw);
  if (!parsed) return { kind: 'none' };
  const done = backup.status?.verification;
  if (!parsed.ok) {
    const requestedAt = (raw ?? '').slice(0, 64);
    if (done?.requestedAt === requestedAt) return { kind: 'none' };
    return failure(backup, { phase: 'failed', requestedAt, error: parsed.message });
  }
  const request = parsed.value;
  // One drill of a Backup at a time: a request made meanwhile runs once the drill in flight is recorded.
  if (inFlight) return { kind: 'none' };
  if (done?.requestedAt === request.requestedAt && done.phase !== 'running') return { kind: 'none' };
  const phase = backup.status?.phase;
  if (phase === 'failed') return failure(backup, { phase: 'failed', requestedAt: request.requestedAt, error: `the backup failed (${backup.status?.error ?? 'no reason given'}): there is nothing to restore` });
  if (phase !== 'completed') return { kind: 'wait' };
  if (backup.spec.method !== 'barmanObjectStore') {
    return failure(backup, { phase: 'failed', requestedAt: request.requestedAt, error: `method ${backup.spec.method}: restore drills restore barmanObjectStore backups only` });
  }
  return { kind: 'run', request };
}

function failure(backup: StoredBackup, verification: BackupVerification): VerificationStep {
  return { kind: 'record', verification, event: verificationEvent(backup.metadata.name, verification) };
}

export function verificationFromOutcome(request: VerificationRequest, startedAt: string, stoppedAt: string, outcome: DrillOutcome): BackupVerification {
  return {
    phase: outcome.ok ? 'passed' : 'failed',
    requestedAt: request.requestedAt,
    startedAt,
    stoppedAt,
    ...(outcome.recoveredToLSN ? { recoveredToLSN: outcome.recoveredToLSN } : {}),
    ...(outcome.recoveredToWal ? { recoveredToWal: outcome.recoveredToWal } : {}),
    ...(outcome.archiveEndWal ? { archiveEndWal: outcome.archiveEndWal } : {}),
    ...(outcome.restoredWalFiles !== undefined ? { restoredWalFiles: outcome.restoredWalFiles } : {}),
    ...(outcome.amcheck ? { amcheck: outcome.amcheck } : {}),
    ...(outcome.rows ? { rows: outcome.rows } : {}),
    ...(outcome.ok ? {} : { error: `${outcome.stage}: ${outcome.error ?? 'no reason given'}` }),
  };
}

/** The Event on the Cluster once a drill finished. */
export function verificationEvent(backupName: string, v: BackupVerification): VerificationEvent {
  if (v.phase === 'passed') {
    const rows = v.rows?.length ? `, ${v.rows.map((r) => `${r.check} (${r.rows})`).join(', ')}` : '';
    return { type: 'Normal', reason: 'BackupVerified', message: `Restore drill of Backup ${backupName} passed: replayed to ${v.recoveredToLSN ?? 'the end of the archive'}, pg_amcheck clean${rows}` };
  }
  return { type: 'Warning', reason: 'BackupVerificationFailed', message: `Restore drill of Backup ${backupName} failed: ${v.error ?? 'no reason given'}` };
}

export interface VerifiedBackup {
  name: string;
  verification?: Pick<BackupVerification, 'phase' | 'stoppedAt' | 'error'>;
}

function newestFinished<T extends VerifiedBackup>(backups: T[]): T | undefined {
  return backups
    .filter((b) => b.verification && b.verification.phase !== 'running' && b.verification.stoppedAt)
    .sort((a, b) => (a.verification!.stoppedAt! < b.verification!.stoppedAt! ? -1 : 1))
    .at(-1);
}

/** BackupVerified on the Cluster: the newest finished drill of any of its Backups; none before the first. */
export function verificationCondition(backups: VerifiedBackup[], previous: Condition[] | undefined, now: string): Condition | undefined {
  const last = newestFinished(backups);
  if (!last) return previous?.find((c) => c.type === 'BackupVerified');
  const ok = last.verification!.phase === 'passed';
  const message = ok ? `Restore drill of Backup ${last.name} passed` : `Restore drill of Backup ${last.name} failed: ${last.verification!.error ?? 'no reason given'}`;
  return condition('BackupVerified', ok, ['RestoreDrillPassed', 'RestoreDrillFailed'], message, previous, now);
}

export interface VerificationSample {
  namespace: string;
  cluster: string;
  /** 1 when the newest finished drill passed, 0 when it failed. */
  lastResult: number;
  /** Seconds since the epoch. */
  lastTimestamp: number;
  lastSuccessTimestamp?: number;
}

/** One sample per Cluster with at least one finished drill. */
export function verificationSamples(backups: StoredBackup[]): VerificationSample[] {
  const byCluster = new Map<string, StoredBackup[]>();
  for (const b of backups) {
    const key = JSON.stringify([b.metadata.namespace ?? 'default', b.spec.cluster.name]);
    byCluster.set(key, [...(byCluster.get(key) ?? []), b]);
  }
  const samples: VerificationSample[] = [];
  for (const [key, list] of [...byCluster].sort(([a], [b]) => a.localeCompare(b))) {
    const [namespace, cluster] = JSON.parse(key) as [string, string];
    const views = list.map((b) => ({ name: b.metadata.name, verification: b.status?.verification }));
    const last = newestFinished(views);
    if (!last) continue;
    const success = newestFinished(views.filter((v) => v.verification?.phase === 'passed'));
    const seconds = (iso: string) => Date.parse(iso) / 1000;
    samples.push({
      namespace,
      cluster,
      lastResult: last.verification!.phase === 'passed' ? 1 : 0,
      lastTimestamp: seconds(last.verification!.stoppedAt!),
      ...(success ? { lastSuccessTimestamp: seconds(success.verification!.stoppedAt!) } : {}),
    });
  }
  return samples;
}
