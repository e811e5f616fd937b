// backup.info, barman's per-backup metadata: one `key=value` line per field, sorted by key,
// `None` for nulls, Python literals (repr) for labels, lists, dicts and tablespaces, and
// str(datetime) for times. We write only the fields barman 3.4 knows — its loader rejects
// unknown keys — and keep any unknown ones we read (from newer barman) in `extra`.
import { type Compression, COMPRESSIONS } from './compression.js';
import { pyLiteral, pyRepr, type PyValue } from './python-literal.js';
import { formatPythonDatetime, parseTimestamp } from './timestamp.js';

export type BackupStatus = 'EMPTY' | 'STARTED' | 'WAITING_FOR_WALS' | 'DONE' | 'FAILED' | 'SYNCING';
const STATUSES: readonly BackupStatus[] = ['EMPTY', 'STARTED', 'WAITING_FOR_WALS', 'DONE', 'FAILED', 'SYNCING'];

export interface Tablespace {
  name: string;
  oid: number;
  location: string;
}

export interface BackupInfo {
  backupId: string;
  backupName?: string;
  status: BackupStatus;
  serverName?: string;
  /** 'concurrent' for barman-cloud-backup, 'cnpg-ts' for ours. */
  mode?: string;
  beginTime?: Date;
  endTime?: Date;
  beginWal?: string;
  endWal?: string;
  beginXlog?: string;
  endXlog?: string;
  beginOffset?: number;
  endOffset?: number;
  timeline?: number;
  systemId?: string;
  /** server_version_num, e.g. 150004. */
  version?: number;
  xlogSegmentSize?: number;
  compression?: Compression;
  size?: number;
  deduplicatedSize?: number;
  error?: string;
  pgdata?: string;
  backupLabel?: string;
  tablespaces?: Tablespace[];
  configFile?: string;
  hbaFile?: string;
  identFile?: string;
  includedFiles?: string[];
  copyStats?: { [key: string]: PyValue };
  snapshotsInfo?: PyValue;
  /** Keys we do not know (written by a newer barman); read, never written back. */
  extra?: Record<string, string>;
}

const DEFAULT_SEGMENT_SIZE = 16 * 1024 * 1024;

/** 'YYYYMMDDTHHMMSS' in UTC (barman uses the backup host's local time; ours run in UTC). */
export function newBackupId(at: Date): string {
  return at.toISOString().slice(0, 19).replace(/[-:]/g, '');
}

export function isBackupId(text: string): boolean {
  return /^\d{8}T\d{6}$/.test(text);
}

type Line = string | null;

// One renderer per barman field, keyed by barman's name; render() sorts them like barman.
const FIELDS: Record<string, (i: BackupInfo) => Line> = {
  backup_label: (i) => (i.backupLabel ? pyRepr(i.backupLabel) : null),
  backup_name: (i) => plain(i.backupName),
  begin_offset: (i) => num(i.beginOffset),
  begin_time: (i) => (i.beginTime ? formatPythonDatetime(i.beginTime) : null),
  begin_wal: (i) => plain(i.beginWal),
  begin_xlog: (i) => plain(i.beginXlog),
  compression: (i) => plain(i.compression),
  config_file: (i) => plain(i.configFile),
  copy_stats: (i) => (i.copyStats && Object.keys(i.copyStats).length > 0 ? pyRepr(i.copyStats) : null),
  deduplicated_size: (i) => num(i.deduplicatedSize),
  end_offset: (i) => num(i.endOffset),
  end_time: (i) => (i.endTime ? formatPythonDatetime(i.endTime) : null),
  end_wal: (i) => plain(i.endWal),
  end_xlog: (i) => plain(i.endXlog),
  error: (i) => plain(i.error),
  hba_file: (i) => plain(i.hbaFile),
  ident_file: (i) => plain(i.identFile),
  included_files: (i) => (i.includedFiles && i.includedFiles.length > 0 ? pyRepr(i.includedFiles) : null),
  mode: (i) => plain(i.mode),
  pgdata: (i) => plain(i.pgdata),
  server_name: (i) => plain(i.serverName),
  size: (i) => num(i.size),
  snapshots_info: (i) => (i.snapshotsInfo ? pyRepr(i.snapshotsInfo) : null),
  status: (i) => i.status,
  systemid: (i) => plain(i.systemId),
  tablespaces: (i) =>
    i.tablespaces && i.tablespaces.length > 0 ? `[${i.tablespaces.map((t) => pyRepr([t.name, t.oid, t.location], { tuple: true })).join(', ')}]` : null,
  timeline: (i) => num(i.timeline),
  version: (i) => num(i.version),
  xlog_segment_size: (i) => num(i.xlogSegmentSize ?? DEFAULT_SEGMENT_SIZE),
};

// barman omits these when null (infofile.py _hide_if_null).
const HIDE_IF_NULL = new Set(['backup_name', 'snapshots_info']);

function plain(v: string | undefined): Line {
  // A newline would end the line early and corrupt the file.
  return v === undefined || v === '' ? null : v.replace(/[\r\n]+/g, ' ');
}

function num(v: number | undefined): Line {
  return v === undefined ? null : String(Math.trunc(v));
}

export function renderBackupInfo(info: BackupInfo): string {
  let out = '';
  for (const name of Object.keys(FIELDS).sort()) {
    const value = FIELDS[name]?.(info) ?? null;
    if (value === null && HIDE_IF_NULL.has(name)) continue;
    out += `${name}=${value ?? 'None'}\n`;
  }
  return out;
}

/**
 * Reads backup.info as barman's FieldListFile.load does (blank and '#' lines skipped, 'None'
 * is null). Throws with the offending line when the file is not one.
 */
export function parseBackupInfo(text: string, backupId?: string): BackupInfo {
  const raw = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`invalid backup.info line "${line.trim().slice(0, 80)}" (expected key=value)`);
    const value = line.slice(eq + 1).trim();
    if (value !== 'None') raw.set(line.slice(0, eq).trim(), value);
  }
  const take = (key: string): string | undefined => {
    const v = raw.get(key);
    raw.delete(key);
    return v;
  };
  const int = (key: string): number | undefined => {
    const v = take(key);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n)) throw new Error(`backup.info field ${key}="${v}" is not an integer`);
    return n;
  };
  const time = (key: string): Date | undefined => {
    const v = take(key);
    if (v === undefined) return undefined;
    const d = parseTimestamp(v);
    if (!d) throw new Error(`backup.info field ${key}="${v}" is not a timestamp`);
    return d;
  };
  const literal = (key: string): PyValue | undefined => {
    const v = take(key);
    if (v === undefined) return undefined;
    try {
      return pyLiteral(v);
    } catch (err) {
      throw new Error(`backup.info field ${key}: ${(err as Error).message}`);
    }
  };

  const status = take('status') ?? 'EMPTY';
  if (!STATUSES.includes(status as BackupStatus)) throw new Error(`backup.info has unknown status "${status}"`);
  const label = literal('backup_label');
  const included = literal('included_files');
  const stats = literal('copy_stats');
  const info: BackupInfo = {
    backupId: backupId ?? '',
    status: status as BackupStatus,
    backupName: take('backup_name'),
    serverName: take('server_name'),
    mode: take('mode'),
    beginTime: time('begin_time'),
    endTime: time('end_time'),
    beginWal: take('begin_wal'),
    endWal: take('end_wal'),
    beginXlog: take('begin_xlog'),
    endXlog: take('end_xlog'),
    beginOffset: int('begin_offset'),
    endOffset: int('end_offset'),
    timeline: int('timeline'),
    systemId: take('systemid'),
    version: int('version'),
    xlogSegmentSize: int('xlog_segment_size') ?? DEFAULT_SEGMENT_SIZE,
    compression: compressionOf(take('compression')),
    size: int('size'),
    deduplicatedSize: int('deduplicated_size'),
    error: take('error'),
    pgdata: take('pgdata'),
    backupLabel: typeof label === 'string' ? label : undefined,
    tablespaces: tablespacesOf(literal('tablespaces')),
    configFile: take('config_file'),
    hbaFile: take('hba_file'),
    identFile: take('ident_file'),
    includedFiles: Array.isArray(included) ? included.map(String) : undefined,
    copyStats: stats && typeof stats === 'object' && !Array.isArray(stats) ? stats : undefined,
    snapshotsInfo: literal('snapshots_info'),
  };
  if (raw.size > 0) info.extra = Object.fromEntries(raw);
  return dropUndefined(info);
}

function compressionOf(v: string | undefined): Compression | undefined {
  // barman-cloud-backup spells them 'gz'/'bz2' internally; barman proper writes the full names.
  const aliases: Record<string, Compression> = { gz: 'gzip', bz2: 'bzip2', zst: 'zstd' };
  if (v === undefined) return undefined;
  return aliases[v] ?? COMPRESSIONS.find((c) => c === v);
}

function tablespacesOf(v: PyValue | undefined): Tablespace[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new Error('backup.info field tablespaces is not a list');
  return v.map((t) => {
    if (!Array.isArray(t) || t.length !== 3) throw new Error('backup.info tablespace entry is not (name, oid, location)');
    return { name: String(t[0]), oid: Number(t[1]), location: String(t[2]) };
  });
}

function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
