// Pure: whether a ScheduledBackup should create a Backup now, and when to look again.
import type { Backup } from '../api/backup.js';
import type { KubeObject, OwnerReference } from '../api/meta.js';
import type { ScheduledBackup } from '../api/scheduled-backup.js';
import { CNPG_API_VERSION } from '../api/meta.js';
import { LABELS } from '../api/names.js';
import { renderVerificationRequest, VERIFY_ANNOTATION } from '../api/backup-verification.js';
import { backupNameSuffix, nextScheduleTime } from './schedule.js';

export interface ScheduledBackupStatus {
  lastCheckTime?: string;
  lastScheduleTime?: string;
  nextScheduleTime?: string;
  error?: string;
}

export type StoredScheduledBackup = ScheduledBackup & { status?: ScheduledBackupStatus };

export interface ScheduledBackupPlan {
  status: ScheduledBackupStatus;
  create?: Backup;
  requeueAfterMs?: number;
}

/** Long waits are cut into pieces so a changed clock or schedule is noticed. */
const MAX_WAIT_MS = 60 * 60_000;

function ownerReferences(sb: StoredScheduledBackup, cluster: KubeObject | undefined): OwnerReference[] | undefined {
  const owner = sb.spec.backupOwnerReference;
  const ref = (o: KubeObject): OwnerReference => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, uid: o.metadata.uid ?? '', controller: true });
  if (owner === 'self') return [ref(sb)];
  if (owner === 'cluster' && cluster) return [ref(cluster)];
  return undefined;
}

export function backupFor(sb: StoredScheduledBackup, cluster: KubeObject | undefined, at: Date, immediate: boolean): Backup {
  const { spec } = sb;
  const labels: Record<string, string> = { [LABELS.scheduledBackup]: sb.metadata.name };
  if (immediate) labels[LABELS.immediateBackup] = 'true';
  return {
    apiVersion: CNPG_API_VERSION,
    kind: 'Backup',
    metadata: {
      name: `${sb.metadata.name}-${backupNameSuffix(at)}`,
      namespace: sb.metadata.namespace,
      labels,
      ...(spec.verify ? { annotations: { [VERIFY_ANNOTATION]: renderVerificationRequest({ requestedAt: at.toISOString() }) } } : {}),
      ownerReferences: ownerReferences(sb, cluster),
    },
    spec: {
      cluster: spec.cluster,
      method: spec.method,
      ...(spec.target ? { target: spec.target } : {}),
      ...(spec.pluginConfiguration ? { pluginConfiguration: spec.pluginConfiguration } : {}),
      ...(spec.online !== undefined ? { online: spec.online } : {}),
      ...(spec.onlineConfiguration ? { onlineConfiguration: spec.onlineConfiguration } : {}),
    },
  } as Backup;
}

export function planScheduledBackup(sb: StoredScheduledBackup, cluster: KubeObject | undefined, now: Date): ScheduledBackupPlan {
  // lastCheckTime moves only when a Backup is created, as CloudNativePG's does: a status that
  // changed on every pass would be written on every pass, and each write starts the next pass.
  const previous = sb.status ?? {};
  const status: ScheduledBackupStatus = { ...previous };
  if (sb.spec.suspend) return { status: { ...status, nextScheduleTime: undefined } };
  if (!cluster) return { status: { ...status, error: `cluster ${sb.spec.cluster.name} does not exist` }, requeueAfterMs: 10_000 };
  status.error = undefined;

  if (sb.spec.immediate && !previous.lastScheduleTime) {
    const next = nextScheduleTime(sb.spec.schedule, now);
    return {
      status: { ...status, lastCheckTime: now.toISOString(), lastScheduleTime: now.toISOString(), nextScheduleTime: next?.toISOString() },
      create: backupFor(sb, cluster, now, true),
      requeueAfterMs: next ? Math.min(next.getTime() - now.getTime(), MAX_WAIT_MS) : undefined,
    };
  }
  const since = new Date(previous.lastScheduleTime ?? sb.metadata.creationTimestamp ?? now.toISOString());
  const due = nextScheduleTime(sb.spec.schedule, since);
  if (!due) return { status: { ...status, error: `schedule ${sb.spec.schedule} never fires` } };
  if (due.getTime() > now.getTime()) {
    return { status: { ...status, nextScheduleTime: due.toISOString() }, requeueAfterMs: Math.min(due.getTime() - now.getTime(), MAX_WAIT_MS) };
  }
  // Runs missed while the operator was down collapse into one, as cron does.
  const next = nextScheduleTime(sb.spec.schedule, now);
  return {
    status: { ...status, lastCheckTime: now.toISOString(), lastScheduleTime: now.toISOString(), nextScheduleTime: next?.toISOString() },
    create: backupFor(sb, cluster, now, false),
    requeueAfterMs: next ? Math.min(next.getTime() - now.getTime(), MAX_WAIT_MS) : undefined,
  };
}
