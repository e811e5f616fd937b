// bench/backup's arithmetic and its table: pure functions, tested by bench/backup.test.ts.
import { nextWalFileName, parseLsn as parsePostgresLsn } from '../../src/postgres/lsn.js';

export const MB = 1024 * 1024;

/** Megabytes (MiB) per second. */
export const mbPerSec = (bytes: number, seconds: number): number => bytes / MB / seconds;

/** "1A/2B3C4D5E" → byte position (exact below 2^53, far beyond any bench's WAL). */
export function parseLsn(lsn: string): number {
  return Number(parsePostgresLsn(lsn));
}

/** Segment file name (timeline, log, seg with 16 MB segments) → absolute segment number. */
export function segmentNumber(walName: string): number {
  const m = /^[0-9A-F]{8}([0-9A-F]{8})([0-9A-F]{8})$/i.exec(walName);
  if (!m) throw new Error(`not a WAL segment name: "${walName}"`);
  return parseInt(m[1] as string, 16) * 256 + parseInt(m[2] as string, 16);
}

/** The name of the segment `n` segments after `walName` on the same timeline (16 MB segments). */
export function nextSegment(walName: string, n = 1): string {
  let name = walName;
  for (let i = 0; i < n; i++) {
    const next = nextWalFileName(name);
    if (!next) throw new Error(`not a WAL segment name: "${walName}"`);
    name = next;
  }
  return name;
}

export interface BacklogSample {
  /** Seconds since pgbench started. */
  t: number;
  /** Segments PostgreSQL has marked .ready and not yet archived. */
  backlog: number;
}

/** Least-squares slope of backlog over time, segments per second (0 with fewer than 2 samples). */
export function slope(samples: readonly BacklogSample[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const mt = samples.reduce((a, s) => a + s.t, 0) / n;
  const mb = samples.reduce((a, s) => a + s.backlog, 0) / n;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    num += (s.t - mt) * (s.backlog - mb);
    den += (s.t - mt) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** Above this growth of the backlog during the run, archiving counts as falling behind. */
export const MAX_SLOPE = 0.05;
/** After pgbench stops, the backlog must be back to ≤ 1 within this many seconds. */
export const DRAIN_BOUND_S = 10;

export interface KeepUp {
  maxBacklog: number;
  finalBacklog: number;
  /** Seconds after pgbench ended until the backlog was ≤ 1, undefined if it never was. */
  drainedAfter?: number;
  slope: number;
  keepsUp: boolean;
}

/**
 * Verdict on the keep-up run: samples during the run (t ≤ runSeconds) and after it. Keeps up when
 * the backlog does not trend upwards during the run and is back to ≤ 1 within DRAIN_BOUND_S.
 */
export function keepUp(samples: readonly BacklogSample[], runSeconds: number): KeepUp {
  const during = samples.filter((s) => s.t <= runSeconds);
  const after = samples.filter((s) => s.t > runSeconds);
  const drained = [...during.slice(-1), ...after].find((s) => s.backlog <= 1);
  const drainedAfter = drained === undefined ? undefined : Math.max(0, drained.t - runSeconds);
  const sl = slope(during);
  return {
    maxBacklog: Math.max(0, ...samples.map((s) => s.backlog)),
    finalBacklog: samples.at(-1)?.backlog ?? 0,
    ...(drainedAfter === undefined ? {} : { drainedAfter }),
    slope: sl,
    keepsUp: drainedAfter !== undefined && drainedAfter <= DRAIN_BOUND_S && sl <= MAX_SLOPE,
  };
}

/** Ours / theirs for higher-is-better figures, "-" when either is missing. */
export function ratio(ours: number | undefined, theirs: number | undefined): number | undefined {
  return ours === undefined || theirs === undefined || !(theirs > 0) || !Number.isFinite(ours) ? undefined : ours / theirs;
}

export interface Figure {
  what: string;
  unit: string;
  ours?: number;
  barman?: number;
  /** Minimum ours/barman ratio; undefined for figures without a ratio target. */
  target?: number;
  /** Pre-rendered cells for rows that are not a plain comparison. */
  oursText?: string;
  barmanText?: string;
  targetText?: string;
  met?: boolean;
}

const num = (x: number | undefined, digits = 1) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits));

export const HEADERS = ['measure', 'unit', 'cnpg-ts', 'barman-cloud', 'ratio', 'target', 'met?'];

export function figureRows(figures: readonly Figure[]): string[][] {
  return figures.map((f) => {
    const r = ratio(f.ours, f.barman);
    const met = f.met ?? (f.target === undefined || r === undefined ? undefined : r >= f.target);
    return [
      f.what,
      f.unit,
      f.oursText ?? num(f.ours),
      f.barmanText ?? num(f.barman),
      r === undefined ? '-' : `${r.toFixed(2)}×`,
      f.targetText ?? (f.target === undefined ? '-' : `≥ ${f.target}×`),
      met === undefined ? '-' : met ? 'yes' : 'NO',
    ];
  });
}

/** One step done both ways by cnpg-ts: a local volume snapshot, and a base backup in the object store. */
export interface SnapshotVersus {
  what: string;
  snapshotSeconds?: number;
  baseSeconds?: number;
}

export const SNAPSHOT_HEADERS = ['measure (same data)', 'volume snapshot', 'object store', 'snapshot faster by'];

export function snapshotRows(rows: readonly SnapshotVersus[]): string[][] {
  return rows.map((r) => {
    const speedup = ratio(r.baseSeconds, r.snapshotSeconds);
    const s = (x: number | undefined) => (x === undefined ? '-' : `${x.toFixed(1)} s`);
    return [r.what, s(r.snapshotSeconds), s(r.baseSeconds), speedup === undefined ? '-' : `${speedup.toFixed(2)}×`];
  });
}

/** A markdown table, columns padded. */
export function table(headers: readonly string[], rows: readonly string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
