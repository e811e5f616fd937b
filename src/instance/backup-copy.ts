// The files of a running server copied into a base backup's archives, between pg_backup_start and
// pg_backup_stop: PGDATA without what PostgreSQL's own base backup leaves out (the files of this
// server's run, the WAL, contents rebuilt at startup), and each tablespace's folder for this major.
// The copy reads files that PostgreSQL keeps writing; WAL replay from the backup's start makes
// them consistent, as with every base backup.
import { createReadStream } from 'node:fs';
import { lstat, open, readdir, readlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { TarEntry } from '../objectstore/tar-archive.js';
import { isDatabaseFolder, leftOutOfDatabaseFolder } from './relation-files.js';

/** keep: copied (a folder with its contents); empty: a folder without contents; skip: left out. */
export type CopyRule = 'keep' | 'empty' | 'skip';
export type EntryKind = 'file' | 'directory' | 'symlink';
/** `siblings`: the names in the entry's folder (an unlogged relation is known by its init fork beside it). */
export type CopyRules = (path: string, kind: EntryKind, siblings: ReadonlySet<string>) => CopyRule;

/** Folders whose contents belong to the running server only (PostgreSQL's excludeDirContents, plus WAL and logs as barman). */
const EMPTIED = new Set(['pg_wal', 'pg_xlog', 'pg_replslot', 'pg_dynshmem', 'pg_notify', 'pg_serial', 'pg_snapshots', 'pg_subtrans', 'pg_stat_tmp', 'log', 'pg_log']);

/** Files of PGDATA's top level that the backup must not carry (PostgreSQL's excludeFiles, and recovery's own). */
const LEFT_OUT = new Set([
  'postmaster.pid',
  'postmaster.opts',
  'backup_label',
  'backup_label.old',
  'tablespace_map',
  'tablespace_map.old',
  'backup_manifest',
  'standby.signal',
  'recovery.signal',
  'recovery.conf',
  'postgresql.auto.conf.tmp',
  'current_logfiles.tmp',
]);

/** Anywhere: temporary files and relation cache files, rebuilt by PostgreSQL. */
function transient(name: string): boolean {
  return name.startsWith('pgsql_tmp') || name.startsWith('pg_internal.init');
}

/** Unlogged and temporary relations' files in a database folder (`parts` of a path below the archive's root). */
function rebuiltRelation(parts: string[], siblings: ReadonlySet<string>): boolean {
  const n = parts.length;
  if (n < 3) return false;
  return isDatabaseFolder(parts[n - 3] ?? '', parts[n - 2] ?? '', n === 3) && leftOutOfDatabaseFolder(parts[n - 1] ?? '', siblings);
}

/** `path` is relative to PGDATA, '/'-separated. pg_control is added last, on its own. */
export const pgdataRules: CopyRules = (path, kind, siblings) => {
  const parts = path.split('/');
  const name = parts[parts.length - 1] ?? '';
  if (transient(name) || rebuiltRelation(parts, siblings)) return 'skip';
  if (parts.length === 1) {
    if (EMPTIED.has(name)) return 'empty';
    if (kind !== 'directory' && LEFT_OUT.has(name)) return 'skip';
  }
  if (path === 'global/pg_control') return 'skip';
  // The tablespaces' links: each tablespace is an archive of its own, linked again at restore.
  if (parts.length === 2 && parts[0] === 'pg_tblspc' && kind === 'symlink') return 'skip';
  return 'keep';
};

/** `path` is relative to the tablespace's location: only this major's folder (PG_<major>_<catversion>). */
export function tablespaceRules(major: number): CopyRules {
  return (path, _kind, siblings) => {
    const parts = path.split('/');
    if (!(parts[0] ?? '').startsWith(`PG_${major}_`)) return 'skip';
    return transient(parts[parts.length - 1] ?? '') || rebuiltRelation(parts, siblings) ? 'skip' : 'keep';
  };
}

export interface ArchiveSink {
  add(entry: TarEntry, body?: Buffer | AsyncIterable<Buffer>): Promise<void>;
}

function missing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** A folder to copy that is not there is an error, never an empty archive: that backup could not be restored. */
export async function requireFolder(root: string, what: string): Promise<void> {
  const st = await lstat(root).catch((e: unknown) => Promise.reject(new Error(`cannot back up ${what}: ${(e as Error).message}`)));
  if (!st.isDirectory()) throw new Error(`cannot back up ${what}: ${root} is not a folder`);
}

/** Copies the tree below `root` (not root itself) into the archive, in name order. */
export async function copyTree(sink: ArchiveSink, root: string, rules: CopyRules, prefix = ''): Promise<void> {
  let names: string[];
  try {
    names = (await readdir(join(root, prefix))).sort();
  } catch (e) {
    // A folder dropped while copied (a database dropped): replay removes it anyway.
    if (missing(e)) return;
    throw e;
  }
  const siblings: ReadonlySet<string> = new Set(names);
  for (const name of names) {
    const path = prefix ? `${prefix}/${name}` : name;
    const st = await lstat(join(root, path)).catch((e: unknown) => (missing(e) ? undefined : Promise.reject(e)));
    if (!st) continue;
    // Sockets and FIFOs never belong in a backup.
    if (!st.isSymbolicLink() && !st.isDirectory() && !st.isFile()) continue;
    const kind: EntryKind = st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'directory' : 'file';
    const rule = rules(path, kind, siblings);
    if (rule === 'skip') continue;
    const meta = { mtime: st.mtime, uid: st.uid, gid: st.gid };
    if (rule === 'empty') {
      // A folder kept empty, even where it is a link (pg_wal on a volume of its own): restored as a folder.
      await sink.add({ name: path, type: 'directory', mode: kind === 'directory' ? st.mode : 0o700, ...meta });
      continue;
    }
    if (kind === 'directory') {
      await sink.add({ name: path, type: 'directory', mode: st.mode, ...meta });
      await copyTree(sink, root, rules, path);
    } else if (kind === 'symlink') {
      const linkname = await readlink(join(root, path)).catch((e: unknown) => (missing(e) ? undefined : Promise.reject(e)));
      if (linkname !== undefined) await sink.add({ name: path, type: 'symlink', mode: 0o777, linkname, ...meta });
    } else {
      await copyFile(sink, root, path);
    }
  }
}

/** One file, its size taken once it is open; a file gone before that is left out. */
export async function copyFile(sink: ArchiveSink, root: string, path: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(join(root, path), 'r');
  } catch (e) {
    if (missing(e)) return;
    throw e;
  }
  try {
    const st = await handle.stat();
    const body = st.size > 0 ? createReadStream('', { fd: handle, start: 0, end: st.size - 1, autoClose: false, highWaterMark: 1 << 20 }) : undefined;
    await sink.add({ name: path, type: 'file', mode: st.mode, mtime: st.mtime, uid: st.uid, gid: st.gid, size: st.size }, body);
  } finally {
    await handle.close();
  }
}
