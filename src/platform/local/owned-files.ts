// Files the control plane writes into folders a cluster's operating-system user can write. That
// user may have put a symlink (to /etc/shadow), a FIFO or anything else under the name, so a file
// is never opened through a name it controls: a new file is created beside it and renamed over it,
// and a log is opened without following links and only if it is a regular file.
import { spawn } from 'node:child_process';
import { closeSync, constants, fchownSync, fstatSync, mkdirSync, openSync, chmodSync, chownSync, lstatSync } from 'node:fs';
import { writeFileAtomicallySync } from '../../objectstore/atomic-file.js';
import type { OsUser } from './home.js';
import { MANAGER_ALLOCATOR_ENV } from '../../instance/allocator-env.js';

const { O_WRONLY, O_CREAT, O_APPEND, O_NOFOLLOW, O_NONBLOCK } = constants;

/**
 * Replaces `path` with a new file holding `content`, owned by `user` (by us when none) with `mode`.
 * `durable: false` skips the fsyncs, for files the daemon writes on its event loop often enough that
 * waiting for the disk each time would stall it.
 */
export function writeOwnedFile(path: string, content: string, user: OsUser | undefined, mode = 0o600, { durable = true } = {}): void {
  const uid = user?.uid ?? process.getuid?.() ?? 0;
  const gid = user?.gid ?? process.getgid?.() ?? 0;
  writeFileAtomicallySync(path, content, { owner: { uid, gid, mode }, durable });
}

/** Opens (creating) a log for appending, owned by `user`; the caller closes the descriptor. */
export function openOwnedLog(path: string, user: OsUser | undefined): number {
  // O_NONBLOCK: a FIFO with no reader fails at once instead of blocking the control plane.
  const fd = openSync(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK, 0o600);
  try {
    if (!fstatSync(fd).isFile()) throw new Error(`${path} is not a regular file; remove it so the log can be recreated`);
    if (user) fchownSync(fd, user.uid, user.gid);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return fd;
}

/** Creates a folder (or adjusts one that is a real folder, not a link) owned by `user` with `mode`. */
export function makeOwnedDir(path: string, mode: number, user: OsUser | undefined): void {
  mkdirSync(path, { recursive: true, mode });
  if (!lstatSync(path).isDirectory()) throw new Error(`${path} is not a folder`);
  chmodSync(path, mode);
  if (user) chownSync(path, user.uid, user.gid);
}

/**
 * Starts a manager (an instance's or a pooler's) as `user`, detached so that it outlives the
 * control plane, with its output appended to `logPath`, a minimal environment and `home` as HOME.
 * Returns its pid.
 */
export function spawnOwnedManager(args: string[], logPath: string, home: string, user: OsUser | undefined): number | undefined {
  const log = openOwnedLog(logPath, user);
  try {
    const child = spawn(process.execPath, args, {
      detached: true,
      stdio: ['ignore', log, log],
      uid: user?.uid,
      gid: user?.gid,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: home, TZ: process.env.TZ ?? 'UTC', ...MANAGER_ALLOCATOR_ENV },
    });
    child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}
