// Tablespaces through a major upgrade. pg_upgrade leaves each tablespace's folder holding one
// subfolder per major (PG_<major>_<catversion>): the new server's, made by the new cluster, and the
// old one's, which the old data needs until the upgrade succeeded. A local location goes through
// the server's working folder (storage.ts): the new data folder gets the same link as the old.
import { existsSync, lstatSync, readdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { log } from './log.js';
import { TABLESPACE_LINK, tablespaceDiskPath } from './storage.js';

/** The new data folder resolves the old one's tablespace locations the same way. */
export function copyTablespaceLink(pgdata: string, newdata: string): void {
  const link = join(pgdata, TABLESPACE_LINK);
  if (!lstatOrUndefined(link)?.isSymbolicLink()) return;
  rmSync(join(newdata, TABLESPACE_LINK), { force: true });
  symlinkSync(readlinkSync(link), join(newdata, TABLESPACE_LINK));
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** The folders pgdata's tablespaces live in, as this process sees them. */
export function tablespaceFolders(pgdata: string): string[] {
  const dir = join(pgdata, 'pg_tblspc');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((oid) => join(dir, oid))
    .filter((link) => lstatOrUndefined(link)?.isSymbolicLink())
    .map((link) => tablespaceDiskPath(readlinkSync(link), pgdata));
}

/** The name of a tablespace subfolder of another major than `major`. */
export function otherMajorFolder(name: string, major: number): boolean {
  const m = /^PG_(\d+(?:\.\d+)?)_\d+$/.exec(name);
  return m !== null && m[1] !== String(major);
}

/**
 * Removes every other major's subfolder from pgdata's tablespaces: after a success the old
 * major's (as pg_upgrade's delete_old_cluster.sh would), after a failure the new one's half-made
 * (a retry's pg_upgrade --check refuses it), the data's own never.
 */
export function removeOtherMajors(pgdata: string, major: number | undefined): void {
  if (major === undefined) return;
  for (const folder of tablespaceFolders(pgdata)) {
    if (!existsSync(folder)) continue;
    for (const name of readdirSync(folder).filter((n) => otherMajorFolder(n, major))) {
      log('info', 'removing a tablespace folder of another PostgreSQL major', { folder: join(folder, name), dataMajor: major });
      rmSync(join(folder, name), { recursive: true, force: true });
    }
  }
}
