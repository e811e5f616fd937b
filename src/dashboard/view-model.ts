// The dashboard's view of a Cluster, as a pure function of what the platform observed: topology
// with roles and replication lag, backups and the recovery window, recent events.
import type { StoredBackup } from '../api/backup.js';
import type { ReplicationInfo } from '../instance/status.js';
import type { ObservedInstance } from '../operator/types.js';
import { parseLsn } from '../postgres/lsn.js';
import { readInstanceMetrics, type InstanceMetrics } from './metrics-text.js';
import type { ClusterSnapshot, SourceEvent } from './source.js';
import type { BackupView, ClusterView, EventCategory, EventView, InstanceView, RecoveryWindowView } from './view.js';

/** The page lists this many events, newest first. */
export const EVENTS_SHOWN = 50;
export const BACKUPS_SHOWN = 30;

/** PostgreSQL's interval text as pg_stat_replication gives it ("[N day[s] ]HH:MM:SS[.ffffff]") in seconds. */
export function intervalSeconds(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const m = /^(?:(\d+) days? )?(-?)(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(text.trim());
  if (!m) return undefined;
  const seconds = Number(m[1] ?? 0) * 86400 + Number(m[3]) * 3600 + Number(m[4]) * 60 + Number(m[5]);
  return m[2] === '-' ? -seconds : seconds;
}

function primaryOf(instances: ObservedInstance[]): ObservedInstance | undefined {
  return instances.find((o) => o.status?.isPrimary === true && o.status.postgresRunning);
}

/** Bytes between two LSNs, never negative: the two were read at slightly different moments. */
function bytesBetween(ahead: string | undefined, behind: string | undefined): number | undefined {
  if (!ahead || !behind) return undefined;
  const d = parseLsn(ahead) - parseLsn(behind);
  return d > 0n ? Number(d) : 0;
}

function replicaLag(o: ObservedInstance, primary: ObservedInstance | undefined, seen: ReplicationInfo | undefined, metrics: InstanceMetrics): Pick<InstanceView, 'lagBytes' | 'lagSeconds'> {
  const replayed = seen?.replayLsn ?? o.status?.replayLsn;
  const lagBytes = bytesBetween(primary?.status?.currentLsn, replayed) ?? o.status?.lagBytes;
  // An idle, caught-up standby has no replay_lag in pg_stat_replication: it is not behind.
  const lagSeconds = metrics.lagSeconds ?? (seen ? (intervalSeconds(seen.replayLag) ?? 0) : undefined);
  return { lagBytes, lagSeconds };
}

function instanceView(o: ObservedInstance, primary: ObservedInstance | undefined, metrics: InstanceMetrics): InstanceView {
  const s = o.status;
  const role = s?.isPrimary === undefined ? 'unknown' : s.isPrimary ? 'primary' : 'replica';
  const view: InstanceView = {
    name: o.name,
    role,
    ready: s?.ready === true,
    phase: !o.running ? 'not running' : s ? s.phase : o.statusError ? `not answering (${o.statusErrorKind ?? 'error'})` : 'unknown',
    timeline: s?.timeLineID,
    lsn: role === 'primary' ? s?.currentLsn : s?.replayLsn,
    fenced: s?.fenced,
    error: s?.lastError ?? o.statusError,
  };
  const desired = o.role === undefined ? undefined : o.role === 'primary' ? 'primary' : 'replica';
  if (desired && desired !== role) view.desiredRole = desired;
  if (role === 'replica') {
    const seen = primary?.status?.replicationInfo.find((r) => r.applicationName === o.name);
    Object.assign(view, replicaLag(o, primary, seen, metrics));
    view.streaming = seen ? seen.state === 'streaming' : s?.isWalReceiverActive === true;
    if (seen) view.syncState = seen.syncState;
  }
  return view;
}

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name, 'en', { numeric: true });

export function eventCategory(e: Pick<SourceEvent, 'reason' | 'involvedObject'>): EventCategory {
  if (/failover|failingover/i.test(e.reason)) return 'failover';
  if (/switchover/i.test(e.reason)) return 'switchover';
  if (e.involvedObject.kind === 'Backup' || /backup/i.test(e.reason)) return 'backup';
  if (/instance|restart|scal|promot|demot|fenc/i.test(e.reason)) return 'instance';
  return 'other';
}

function eventViews(events: SourceEvent[]): EventView[] {
  return [...events]
    .sort((a, b) => b.time.localeCompare(a.time))
    .slice(0, EVENTS_SHOWN)
    .map((e) => ({ time: e.time, type: e.type, reason: e.reason, message: e.message, category: eventCategory(e), object: `${e.involvedObject.kind}/${e.involvedObject.name}`, count: e.count }));
}

function backupViews(backups: StoredBackup[]): BackupView[] {
  const when = (b: StoredBackup) => b.status?.startedAt ?? b.metadata.creationTimestamp ?? '';
  return [...backups]
    .sort((a, b) => when(b).localeCompare(when(a)))
    .slice(0, BACKUPS_SHOWN)
    .map((b) => ({
      name: b.metadata.name,
      phase: b.status?.phase ?? 'new',
      method: b.status?.method ?? b.spec.method,
      instance: b.status?.instanceID?.podName,
      startedAt: b.status?.startedAt,
      stoppedAt: b.status?.stoppedAt,
      error: b.status?.error,
    }));
}

function recoveryWindow(snapshot: ClusterSnapshot, primary: ObservedInstance | undefined): RecoveryWindowView {
  const status = snapshot.cluster.status;
  const catalog = primary?.status?.catalog;
  const archiving = primary?.status?.archiving;
  const from = status?.firstRecoverabilityPoint ?? catalog?.firstRecoverabilityPoint;
  const working = archiving !== undefined && !archiving.failing;
  const window: RecoveryWindowView = {
    from,
    // While WAL is archived the newest moment reachable is now; otherwise the last archived WAL bounds it.
    to: from ? (working ? snapshot.now.toISOString() : (archiving?.lastArchivedTime ?? status?.lastSuccessfulBackup ?? catalog?.lastSuccessfulBackup)) : undefined,
    archiving: working,
    lastSuccessfulBackup: status?.lastSuccessfulBackup ?? catalog?.lastSuccessfulBackup,
    lastFailedBackup: status?.lastFailedBackup ?? catalog?.lastFailedBackup,
  };
  if (archiving?.failing) window.archiveError = archiving.lastError ?? `archiving ${archiving.lastFailedWal ?? 'WAL'} fails`;
  return window;
}

export function metricsByInstance(snapshot: ClusterSnapshot): Record<string, InstanceMetrics> {
  return Object.fromEntries(snapshot.instances.map((o) => {
    const text = snapshot.metrics[o.name];
    return [o.name, text === undefined ? {} : readInstanceMetrics(text)];
  }));
}

export function clusterView(snapshot: ClusterSnapshot): ClusterView {
  const { cluster, instances } = snapshot;
  const primary = primaryOf(instances);
  const metrics = metricsByInstance(snapshot);
  const views = instances.map((o) => instanceView(o, primary, metrics[o.name] ?? {})).sort(byName);
  return {
    namespace: cluster.metadata.namespace ?? 'default',
    name: cluster.metadata.name,
    phase: cluster.status?.phase,
    phaseReason: cluster.status?.phaseReason,
    instancesWanted: cluster.spec.instances,
    readyInstances: views.filter((v) => v.ready).length,
    currentPrimary: cluster.status?.currentPrimary,
    targetPrimary: cluster.status?.targetPrimary,
    timeline: primary?.status?.timeLineID ?? cluster.status?.timelineID,
    instances: views,
    backups: backupViews(snapshot.backups),
    recovery: recoveryWindow(snapshot, primary),
    events: eventViews(snapshot.events),
    generatedAt: snapshot.now.toISOString(),
  };
}
