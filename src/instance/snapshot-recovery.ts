// Puts the copies of volume snapshots the platform staged (InstancePaths.snapshotRestore: data,
// wal, tablespaces/<name>) in place of a new instance's empty folders, as its storage layout wants
// them, and cleans the data of what belonged to the server it was taken from.
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, rmdirSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { parseControlData } from '../postgres/controldata.js';
import { replaceAutoConf } from './alter-system.js';
import type { InstancePaths } from './paths.js';
import { FOREIGN_FILES } from './recovery.js';
import type { StorageLayout } from './storage-layout.js';
import { ensurePrivateDir } from './private-dir.js';
import { ensureTablespaceFolders, placeWal, relinkTablespaces } from './storage.js';

const run = promisify(execFile);

function moveContents(from: string, to: string): void {
  mkdirSync(to, { recursive: true, mode: 0o700 });
  for (const entry of readdirSync(from)) renameSync(join(from, entry), join(to, entry));
  rmdirSync(from);
}

/** Where the copies wait for placing: each beside where it goes, on the same volume, so that placing renames. */
export interface StagedSnapshot {
  data: string;
  wal: string;
  tablespace: (name: string) => string;
}

/**
 * Locally the platform copies everything into InstancePaths.snapshotRestore. In a Pod the volumes
 * themselves came from the snapshots: each volume's copy is set aside on that volume (the WAL
 * volume's beside its pg_wal, a tablespace's beside its data folder).
 */
export function stagedSnapshot(paths: InstancePaths, layout: StorageLayout | undefined, inPlace: boolean): StagedSnapshot {
  const staged = paths.snapshotRestore;
  const local: StagedSnapshot = { data: join(staged, 'data'), wal: join(staged, 'wal'), tablespace: (name) => join(staged, 'tablespaces', name) };
  if (!inPlace) return local;
  return {
    data: local.data,
    wal: layout?.walDirectory ? join(dirname(layout.walDirectory), 'snapshot-restore') : local.wal,
    tablespace: (name) => {
      const t = layout?.tablespaces.find((x) => x.name === name);
      return t ? join(dirname(t.directory), 'snapshot-restore') : local.tablespace(name);
    },
  };
}

/** Returns whether the snapshot was taken online (it carries a backup_label). */
export function placeSnapshot(paths: InstancePaths, layout: StorageLayout | undefined, staged: StagedSnapshot = stagedSnapshot(paths, layout, false)): { online: boolean } {
  if (!existsSync(staged.data)) {
    throw new Error(`no copy of the volume snapshot is staged in ${staged.data}: the platform copies (or, on Kubernetes, restores) it when it creates the instance; delete the instance to have it made again`);
  }
  rmSync(paths.pgdata, { recursive: true, force: true });
  renameSync(staged.data, paths.pgdata);
  // A volume restored under a Pod's fsGroup comes with group access, which PostgreSQL refuses for its data folder.
  ensurePrivateDir(paths.pgdata);
  for (const f of FOREIGN_FILES) rmSync(join(paths.pgdata, f), { force: true });
  // ALTER SYSTEM settings of the source (its primary_conninfo, archive_command…) would override ours.
  replaceAutoConf(paths.pgdata, '# Emptied by the cnpg-ts instance manager after a restore from a volume snapshot; settings come from the Cluster.\n');
  const pgWal = join(paths.pgdata, 'pg_wal');
  // The source's pg_wal linked to its own WAL folder: that link means nothing here.
  if (lstatSync(pgWal, { throwIfNoEntry: false })?.isSymbolicLink()) unlinkSync(pgWal);
  if (existsSync(staged.wal)) {
    if (layout?.walDirectory) {
      moveContents(staged.wal, layout.walDirectory);
      symlinkSync(layout.walDirectory, pgWal);
    } else {
      renameSync(staged.wal, pgWal);
    }
  } else {
    mkdirSync(pgWal, { recursive: true, mode: 0o700 });
    placeWal(layout, paths.pgdata);
  }
  mkdirSync(join(pgWal, 'archive_status'), { recursive: true, mode: 0o700 });
  for (const t of layout?.tablespaces ?? []) {
    const copy = staged.tablespace(t.name);
    if (existsSync(copy)) moveContents(copy, t.directory);
  }
  ensureTablespaceFolders(layout, paths.pgdata);
  relinkTablespaces(layout, paths.pgdata);
  rmSync(paths.snapshotRestore, { recursive: true, force: true });
  return { online: existsSync(join(paths.pgdata, 'backup_label')) };
}

export async function walSegmentSize(binDir: string, pgdata: string): Promise<number> {
  const { stdout } = await run(join(binDir, 'pg_controldata'), ['-D', pgdata], { env: { ...process.env, LC_ALL: 'C' } });
  const size = Number(parseControlData(stdout).get('Bytes per WAL segment'));
  if (!Number.isInteger(size) || size <= 0) throw new Error('pg_controldata did not report the WAL segment size');
  return size;
}
