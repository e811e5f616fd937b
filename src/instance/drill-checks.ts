// Pure judgements of a restore drill: where the archive ends, where replay ended, and whether the
// one reached the other. A WAL segment that is damaged or missing in the middle of the archive
// ends replay early and PostgreSQL promotes all the same; only this comparison tells.
import { pgWalfileName } from '../postgres/lsn.js';
import { parseWalFileName } from '../objectstore/index.js';

/** The newest plain segment among archived WAL names (by position, whatever its timeline). */
export function archiveEndWal(names: string[]): string | undefined {
  let end: string | undefined;
  for (const name of names) {
    if (parseWalFileName(name)?.kind !== 'segment') continue;
    if (!end || position(name) > position(end) || (position(name) === position(end) && name > end)) end = name;
  }
  return end;
}

const position = (segment: string): string => segment.slice(8);

/** The switchpoint the newest timeline history file records: where replay ended before promotion. */
export function historySwitchpoint(history: string): { parentTimeline: number; lsn: string } | undefined {
  const lines = history.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const last = lines.at(-1);
  const m = last ? /^(\d+)\s+([0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8})\b/.exec(last) : null;
  return m ? { parentTimeline: Number(m[1]), lsn: m[2]!.toUpperCase() } : undefined;
}

/** The segment holding the last byte replayed before the switch to a new timeline. */
export function recoveredWal(parentTimeline: number, lsn: string, segmentSize?: number): string {
  return pgWalfileName(parentTimeline, lsn, segmentSize);
}

/** Replay reached the end of the archive: its last segment is at or past the archive's newest. */
export function replayReachedEnd(recovered: string, archiveEnd: string | undefined): boolean {
  return archiveEnd === undefined || position(recovered) >= position(archiveEnd);
}
