// Writes a local file so that it either appears whole under its name or not at all, and is on disk
// (file and directory entry) once the promise resolves: what PostgreSQL expects of restore_command,
// what a crash mid-restore must not break, and what the local store acknowledges a write on. The
// synchronous form is for the few state files written where nothing else may run meanwhile (an
// instance manager's spec, PostgreSQL's configuration, the daemon's address).
import { closeSync, constants, createWriteStream, fchmodSync, fchownSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';

export type FileContent = string | Uint8Array | [NodeJS.ReadableStream, ...NodeJS.ReadWriteStream[]];

async function fsync(path: string, flags: string): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export interface AtomicWriteOptions {
  /** For a new file, as with writeFile (the umask still narrows it). */
  mode?: number;
  /**
   * false for a file derived from state kept elsewhere and rewritten when it differs: readers
   * still never see it half written, and nobody waits for the disk.
   */
  durable?: boolean;
  /** What marks the temporary file's name, for a reader that lists the folder and must skip it. */
  tempMark?: string;
}

export async function writeFileAtomically(dest: string, content: FileContent, { mode = 0o666, durable = true, tempMark = '.tmp-' }: AtomicWriteOptions = {}): Promise<void> {
  const tmp = `${dest}${tempMark}${randomBytes(6).toString('hex')}`;
  try {
    if (Array.isArray(content)) {
      await pipeline([...content, createWriteStream(tmp, { flags: 'wx', mode })]);
      if (durable) await fsync(tmp, 'r+');
    } else {
      const handle = await open(tmp, 'wx', mode);
      try {
        await handle.writeFile(content);
        if (durable) await handle.sync();
      } finally {
        await handle.close();
      }
    }
    await rename(tmp, dest);
    if (durable) await fsync(dirname(dest), 'r');
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export interface SyncWriteOptions extends AtomicWriteOptions {
  /**
   * Exactly this mode and owner, set on the open descriptor before the rename: for a file root
   * writes into a folder another user controls, where nothing may be done through the name.
   */
  owner?: { uid: number; gid: number; mode: number };
}

export function writeFileAtomicallySync(dest: string, content: string | Uint8Array, { mode = 0o666, durable = true, owner }: SyncWriteOptions = {}): void {
  const tmp = `${dest}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    // O_EXCL and O_NOFOLLOW: a link planted under the temporary name is never followed.
    const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, owner?.mode ?? mode);
    try {
      writeFileSync(fd, content);
      if (owner) {
        fchmodSync(fd, owner.mode);
        fchownSync(fd, owner.uid, owner.gid);
      }
      if (durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, dest);
    if (durable) {
      const dir = openSync(dirname(dest), 'r');
      try {
        fsyncSync(dir);
      } finally {
        closeSync(dir);
      }
    }
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
