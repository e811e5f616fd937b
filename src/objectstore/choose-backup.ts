// Which base backup a recovery starts from (CloudNativePG's rules, reference section 5.3).
// Pure: the catalog is read by the caller.
import { compareLsn, parseLsn } from '../postgres/lsn.js';
import type { RecoveryTarget } from '../postgres/recovery.js';
import type { BackupInfo } from './backup-info.js';
import { parseTimestamp } from './timestamp.js';

/** A recovery target as PostgreSQL takes it, plus which base backup to start from. */
export interface RecoveryTargetSpec extends RecoveryTarget {
  backupID?: string;
}

export type BackupChoice = { ok: true; backup: BackupInfo } | { ok: false; message: string };

export function chooseBaseBackup(catalog: BackupInfo[], target: RecoveryTargetSpec | undefined): BackupChoice {
  const t = target ?? {};
  // Only completed backups can be restored: DONE, with both times known.
  const done = catalog
    .filter((b) => b.status === 'DONE' && b.beginTime && b.endTime)
    .sort((a, b) => (a.endTime?.getTime() ?? 0) - (b.endTime?.getTime() ?? 0) || (a.backupId < b.backupId ? -1 : 1));

  if (t.backupID) {
    const backup = done.find((b) => b.backupId === t.backupID || b.backupName === t.backupID);
    if (backup) return { ok: true, backup };
    const other = catalog.find((b) => b.backupId === t.backupID || b.backupName === t.backupID);
    return {
      ok: false,
      message: other
        ? `backup ${t.backupID} is ${other.status}, not DONE: choose a completed backup`
        : `backup ${t.backupID} is not in the catalog (${describeCatalog(done)})`,
    };
  }
  const needsId = (['targetName', 'targetXID', 'targetImmediate'] as const).find((k) => t[k]);
  if (needsId) return { ok: false, message: `recoveryTarget.${needsId} requires recoveryTarget.backupID` };

  let timeline: number | undefined;
  if (t.targetTLI && t.targetTLI !== 'latest' && t.targetTLI !== 'current') {
    timeline = /^\d+$/.test(t.targetTLI) ? Number(t.targetTLI) : NaN;
    if (!(timeline >= 1)) return { ok: false, message: `invalid targetTLI "${t.targetTLI}": use "latest" or a timeline number ≥ 1` };
  }
  const onTimeline = timeline === undefined ? done : done.filter((b) => b.timeline === timeline);
  const tli = timeline === undefined ? '' : ` on timeline ${timeline}`;

  if (t.targetTime) {
    const at = parseTimestamp(t.targetTime);
    if (!at) return { ok: false, message: `invalid targetTime "${t.targetTime}": use RFC 3339 (2024-01-15T13:41:00Z)` };
    const backup = newest(onTimeline.filter((b) => (b.endTime?.getTime() ?? Infinity) <= at.getTime()));
    return backup ? { ok: true, backup } : { ok: false, message: `no completed backup${tli} ended before targetTime ${t.targetTime} (${describeCatalog(done)})` };
  }
  if (t.targetLSN) {
    try {
      parseLsn(t.targetLSN);
    } catch {
      return { ok: false, message: `invalid targetLSN "${t.targetLSN}": use the form 0/16B3748` };
    }
    const backup = newest(onTimeline.filter((b) => b.endXlog !== undefined && compareLsn(b.endXlog, t.targetLSN) < 0));
    return backup ? { ok: true, backup } : { ok: false, message: `no completed backup${tli} ended before targetLSN ${t.targetLSN} (${describeCatalog(done)})` };
  }
  const backup = newest(onTimeline);
  return backup ? { ok: true, backup } : { ok: false, message: `no completed backup${tli} to recover from (${describeCatalog(done)})` };
}

function newest(sorted: BackupInfo[]): BackupInfo | undefined {
  return sorted[sorted.length - 1];
}

function describeCatalog(done: BackupInfo[]): string {
  if (done.length === 0) return 'the catalog has no completed backup';
  const shown = done.slice(-5).map((b) => `${b.backupId} ended ${b.endTime?.toISOString()} tli ${b.timeline ?? '?'}`);
  return `completed backups: ${shown.join('; ')}${done.length > 5 ? `; and ${done.length - 5} older` : ''}`;
}
