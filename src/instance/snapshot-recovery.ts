// Puts the copies of volume snapshots the platform staged (InstancePaths.snapshotRestore: data,
// wal, tablespaces/<name>) in place of a new instance's empty folders, as its storage layout wants
// them, and cleans the data of what belonged to the server it was taken from.
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, rmdirSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseControlData } from '../postgres/controldata.js';
import { replaceAutoConf } from './alter-system.js';
import type { InstancePaths } from './paths.js';
import { FOREIGN_FILES } from './recovery.js';
import type { StorageLayout } from './storage-layout.js';
import { ensureTablespaceFolders, placeWal, relinkTablespaces } from './storage.js';

const run = promisify(execFile);

function moveContents(from: string, to: string): void {
  mkdirSync(to, { recursive: true, mode: 0o700 });
  for (const entry of readdirSync(from)) renameSync(join(from, entry), join(to, entry));
  rmdirSync(from);
}

/** Returns whether the snapshot was taken online (it carries a backup_label). */
export function placeSnapshot(paths: InstancePaths, layout: StorageLayout | undefined): { online: boolean } {
  const staged = paths.snapshotRestore;
  if (!existsSync(join(staged, 'data'))) {
    throw new Error(`no copy of the volume snapshot is staged in ${staged}: the platform copies it when it creates the instance; delete the instance to have it copied again`);
  }
  rmSync(paths.pgdata, { recursive: true, force: true });
  renameSync(join(staged, 'data'), paths.pgdata);
  for (const f of FOREIGN_FILES) rmSync(join(paths.pgdata, f), { force: true });
  // ALTER SYSTEM settings of the source (its primary_conninfo, archive_command…) would override ours.
  replaceAutoConf(paths.pgdata, '# Emptied by the cnpg-ts instance manager after a restore from a volume snapshot; settings come from the Cluster.\n');
  const pgWal = join(paths.pgdata, 'pg_wal');
  // The source's pg_wal linked to its own WAL folder: that link means nothing here.
  if (lstatSync(pgWal, { throwIfNoEntry: false })?.isSymbolicLink()) unlinkSync(pgWal);
  if (existsSync(join(staged, 'wal'))) {
    if (layout?.walDirectory) {
      moveContents(join(staged, 'wal'), layout.walDirectory);
      symlinkSync(layout.walDirectory, pgWal);
    } else {
      renameSync(join(staged, 'wal'), pgWal);
    }
  } else {
    mkdirSync(pgWal, { recursive: true, mode: 0o700 });
    placeWal(layout, paths.pgdata);
  }
  mkdirSync(join(pgWal, 'archive_status'), { recursive: true, mode: 0o700 });
  for (const t of layout?.tablespaces ?? []) {
    const copy = join(staged, 'tablespaces', t.name);
    if (existsSync(copy)) moveContents(copy, t.directory);
  }
  ensureTablespaceFolders(layout, paths.pgdata);
  relinkTablespaces(layout, paths.pgdata);
  rmSync(staged, { recursive: true, force: true });
  return { online: existsSync(join(paths.pgdata, 'backup_label')) };
}

export async function walSegmentSize(binDir: string, pgdata: string): Promise<number> {
  const { stdout } = await run(join(binDir, 'pg_controldata'), ['-D', pgdata], { env: { ...process.env, LC_ALL: 'C' } });
  const size = Number(parseControlData(stdout).get('Bytes per WAL segment'));
  if (!Number.isInteger(size) || size <= 0) throw new Error('pg_controldata did not report the WAL segment size');
  return size;
}
