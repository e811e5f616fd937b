// Retention as barman's RECOVERY WINDOW: the point of recoverability is now − window; every
// completed backup newer than it is kept, plus the newest one completed before it (so the
// whole window stays recoverable); older ones and their WAL are obsolete. Pure: the caller
// lists and deletes.
import type { BackupInfo } from './backup-info.js';
import { ObjectStoreError } from './errors.js';
import { parseWalFileName } from './wal-names.js';

export interface RetentionPolicy {
  count: number;
  unit: 'd' | 'w' | 'm';
}

export interface RetentionPlan {
  keep: string[];
  obsoleteBackups: string[];
  obsoleteWalKeys: string[];
  firstRecoverabilityPoint?: Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;
// barman counts a month as 31 days (retention_policies.py).
const UNIT_DAYS = { d: 1, w: 7, m: 31 } as const;

export function parseRetentionPolicy(text: string): RetentionPolicy {
  const m = /^([1-9][0-9]*)([dwm])$/.exec(text.trim());
  if (!m) throw new ObjectStoreError('invalid', `invalid retentionPolicy "${text}": use a number and a unit d, w or m, e.g. "30d", "4w", "12m"`);
  return { count: Number(m[1]), unit: m[2] as RetentionPolicy['unit'] };
}

export function pointOfRecoverability(policy: RetentionPolicy, now: Date): Date {
  return new Date(now.getTime() - policy.count * UNIT_DAYS[policy.unit] * DAY_MS);
}

export function planRetention(catalog: BackupInfo[], wals: { name: string; key: string }[], policy: string, now: Date): RetentionPlan {
  const por = pointOfRecoverability(parseRetentionPolicy(policy), now);
  const byId = (a: BackupInfo, b: BackupInfo) => (a.backupId < b.backupId ? -1 : a.backupId > b.backupId ? 1 : 0);
  const done = catalog.filter((b) => b.status === 'DONE' && b.endTime).sort(byId);
  // Without a completed backup nothing is recoverable anyway: deleting could only lose data.
  if (done.length === 0) return { keep: catalog.map((b) => b.backupId).sort(), obsoleteBackups: [], obsoleteWalKeys: [] };

  const newer = done.filter((b) => (b.endTime?.getTime() ?? 0) >= por.getTime());
  const before = done.filter((b) => (b.endTime?.getTime() ?? 0) < por.getTime());
  const anchor = before[before.length - 1];
  const kept = anchor ? [anchor, ...newer] : newer;
  const oldest = kept[0];
  if (!oldest) return { keep: [], obsoleteBackups: [], obsoleteWalKeys: [] };

  const obsoleteBackups = catalog
    .filter((b) => b.backupId < oldest.backupId && (b.status === 'DONE' || b.status === 'FAILED'))
    .map((b) => b.backupId)
    .sort();
  const keep = catalog
    .map((b) => b.backupId)
    .filter((id) => !obsoleteBackups.includes(id))
    .sort();
  return {
    keep,
    obsoleteBackups,
    obsoleteWalKeys: obsoleteWals(wals, oldest, kept),
    ...(oldest.endTime ? { firstRecoverabilityPoint: oldest.endTime } : {}),
  };
}

/**
 * WAL before the oldest kept backup's begin_wal, compared by name as barman does (timeline
 * first, so older timelines' WAL sort before it). Timelines that still hold another kept
 * backup are left alone, and history files are never deleted: recovery needs them to follow
 * timeline switches.
 */
function obsoleteWals(wals: { name: string; key: string }[], oldest: BackupInfo, kept: BackupInfo[]): string[] {
  if (!oldest.beginWal) return [];
  const protectedTimelines = new Set(kept.map((b) => b.timeline).filter((t) => t !== oldest.timeline));
  const out: string[] = [];
  for (const wal of wals) {
    const parsed = parseWalFileName(wal.name);
    if (!parsed || parsed.kind === 'history') continue;
    if (protectedTimelines.has(parsed.timeline)) continue;
    const comparable = parsed.kind === 'backup' ? wal.name.slice(0, 24) : wal.name;
    if (comparable < oldest.beginWal) out.push(wal.key);
  }
  return out.sort();
}
