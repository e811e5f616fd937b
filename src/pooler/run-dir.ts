// The manager's run folder: PgBouncer's files (one holds the admin password, others TLS keys) and
// its unix socket live there, so the folder is the manager's user's alone (0700). A file is
// replaced by renaming a complete copy over it: PgBouncer, reloading, never reads half a file.
import { chmodSync, closeSync, fsyncSync, lstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RenderedFile } from '../pgbouncer/files.js';

/** Creates the folder when missing and makes it private; refuses one another user owns or a link. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a folder`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) throw new Error(`${dir} belongs to uid ${st.uid}, not to this manager's user (uid ${uid}); give the manager a folder of its own`);
  chmodSync(dir, 0o700);
}

export function writeAtomically(dir: string, file: RenderedFile): void {
  const path = join(dir, file.name);
  const temporary = `${path}.tmp`;
  rmSync(temporary, { force: true });
  const fd = openSync(temporary, 'wx', file.mode);
  try {
    writeSync(fd, file.content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}
