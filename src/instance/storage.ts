// The folders of spec.walStorage and spec.tablespaces on this instance: pg_wal as a symbolic link
// to the WAL folder, however the data folder came to be (initdb, a clone, a restore, data from
// before walStorage was set), and each tablespace's folder before anything may need it.
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmdirSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ensurePrivateDir } from './private-dir.js';
import { log } from './log.js';
import type { StorageLayout } from './storage-layout.js';

/**
 * Local tablespace locations go through the server process's working folder (its PGDATA), the
 * same string on every instance of one machine; this link in PGDATA leads from there to the
 * instance's tablespace folders. It is relative, so a base backup carries it to a standby as is.
 */
export const TABLESPACE_LINK = 'cnpg_tablespaces';
export const PROCESS_DATA_DIR = '/proc/self/cwd';

/**
 * Where a tablespace location PostgreSQL reports is, seen from this process: a location through
 * the server's working folder is below its PGDATA.
 */
export function tablespaceDiskPath(location: string, pgdata: string): string {
  return location.startsWith(`${PROCESS_DATA_DIR}/`) ? join(pgdata, location.slice(PROCESS_DATA_DIR.length + 1)) : location;
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** A plain pg_wal folder while the Cluster wants WAL on its own: PostgreSQL must restart for it to move. */
export function walAwaitsMove(layout: StorageLayout | undefined, pgdata: string): boolean {
  if (!layout?.walDirectory) return false;
  const st = lstatOrUndefined(join(pgdata, 'pg_wal'));
  return st !== undefined && !st.isSymbolicLink();
}

/** Moves src's entries into dst, merging folders: a move cut short is finished by running it again. */
function moveInto(src: string, dst: string): void {
  mkdirSync(dst, { recursive: true, mode: 0o700 });
  for (const entry of readdirSync(src, { withFileTypes: true })) {
    const from = join(src, entry.name);
    const to = join(dst, entry.name);
    if (entry.isDirectory()) {
      moveInto(from, to);
      rmdirSync(from);
      continue;
    }
    try {
      renameSync(from, to);
    } catch (e) {
      // Another volume (a Pod's WAL claim): copied, then removed.
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
      copyFileSync(from, to);
      unlinkSync(from);
    }
  }
}

/** Only while PostgreSQL is stopped: pg_wal becomes a link to the WAL folder, its files moved there first. */
export function placeWal(layout: StorageLayout | undefined, pgdata: string): void {
  const walDirectory = layout?.walDirectory;
  if (!walDirectory) return;
  const pgWal = join(pgdata, 'pg_wal');
  const st = lstatOrUndefined(pgWal);
  if (st === undefined && !existsSync(join(pgdata, 'PG_VERSION'))) return;
  ensurePrivateDir(walDirectory);
  if (st === undefined) {
    symlinkSync(walDirectory, pgWal);
    return;
  }
  if (st.isSymbolicLink()) {
    if (readlinkSync(pgWal) === walDirectory) return;
    // A link elsewhere came with copied data (another instance's folder): the files it needs are
    // those a clone streamed into this instance's own WAL folder, or none.
    unlinkSync(pgWal);
    symlinkSync(walDirectory, pgWal);
    return;
  }
  log('info', 'moving WAL to its own folder', { from: pgWal, to: walDirectory });
  moveInto(pgWal, walDirectory);
  // Renamed away before the link appears: a crash in between leaves pg_wal absent, which the next
  // start repairs by linking, since every file is already in the WAL folder.
  rmdirSync(pgWal);
  symlinkSync(walDirectory, pgWal);
}

/** Safe while PostgreSQL runs: the tablespace folders, and the link their locations go through. */
export function ensureTablespaceFolders(layout: StorageLayout | undefined, pgdata: string): void {
  for (const t of layout?.tablespaces ?? []) ensurePrivateDir(t.directory);
  ensureLocationLink(layout, pgdata);
}

function ensureLocationLink(layout: StorageLayout | undefined, pgdata: string): void {
  const local = (layout?.tablespaces ?? []).find((t) => t.location.startsWith(`${PROCESS_DATA_DIR}/`));
  if (!local || !existsSync(pgdata)) return;
  const link = join(pgdata, TABLESPACE_LINK);
  const target = relative(pgdata, join(local.directory, '..'));
  if (lstatOrUndefined(link)?.isSymbolicLink() && readlinkSync(link) === target) return;
  rmSync(link, { force: true, recursive: false });
  symlinkSync(target, link);
}

/** Before PostgreSQL starts on this data. */
export function prepareStorage(layout: StorageLayout | undefined, pgdata: string): void {
  if (!layout) return;
  ensureTablespaceFolders(layout, pgdata);
  placeWal(layout, pgdata);
}

/** A bootstrap starts from nothing: what an earlier attempt left in the WAL and tablespace folders goes too. */
export function emptyStorage(layout: StorageLayout | undefined): void {
  for (const dir of [layout?.walDirectory, ...(layout?.tablespaces ?? []).map((t) => t.directory)]) {
    if (!dir || !existsSync(dir)) continue;
    for (const entry of readdirSync(dir)) rmSync(join(dir, entry), { recursive: true, force: true });
  }
}

/**
 * pg_basebackup's options placing WAL and tablespaces on this instance: each tablespace is copied
 * from the location the source names into this instance's folder (where the two differ).
 */
export function cloneOptions(layout: StorageLayout | undefined): string[] {
  if (!layout) return [];
  const mappings = layout.tablespaces.filter((t) => t.location !== t.directory).map((t) => `--tablespace-mapping=${t.location.replaceAll('=', '\\=')}=${t.directory.replaceAll('=', '\\=')}`);
  return [...(layout.walDirectory ? [`--waldir=${layout.walDirectory}`] : []), ...mappings];
}

/** After a clone with mappings: pg_tblspc's links name the shared location again, as the source's do. */
export function relinkTablespaces(layout: StorageLayout | undefined, pgdata: string): void {
  const dir = join(pgdata, 'pg_tblspc');
  if (!layout || !existsSync(dir)) return;
  for (const oid of readdirSync(dir)) {
    const link = join(dir, oid);
    if (!lstatOrUndefined(link)?.isSymbolicLink()) continue;
    const target = readlinkSync(link);
    const t = layout.tablespaces.find((x) => x.directory === target && x.location !== target);
    if (!t) continue;
    unlinkSync(link);
    symlinkSync(t.location, link);
  }
}
