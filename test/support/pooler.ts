// Real PostgreSQL and a real pooler manager (with real PgBouncer) for tests, both run as an
// unprivileged user: `postgres` when the test runs as root (CI), the test's own user otherwise.
// Everything lives in one temporary folder that stop() removes with the processes.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, openSync, renameSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveInstallation } from '../../src/postgres/binaries.js';
import type { PoolerHandout } from '../../src/pgbouncer/handout.js';
import { PoolerManagerClient } from '../../src/pooler/client.js';
import { freePort } from './s3.js';

export const POOLER_MAIN = fileURLToPath(new URL('../../src/pooler/main.js', import.meta.url));

export interface RunAs {
  uid?: number;
  gid?: number;
}

/** The user servers run as: PostgreSQL and PgBouncer both refuse root. */
export function unprivileged(): RunAs {
  if (userInfo().uid !== 0) return {};
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** A folder the unprivileged user owns (0700). */
export function ownedTempDir(prefix: string, as: RunAs): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (as.uid !== undefined) chownSync(dir, as.uid, as.gid!);
  return dir;
}

function run(file: string, args: string[], as: RunAs): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { uid: as.uid, gid: as.gid, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${file} ${args.join(' ')} exited ${code}: ${out}`))));
  });
}

export interface TestPostgres {
  port: number;
  stop(): Promise<void>;
}

/** PostgreSQL 15 on 127.0.0.1 with trust authentication, in `dir` (owned by `as`). */
export async function startPostgres(dir: string, as: RunAs, settings: Record<string, string> = {}): Promise<TestPostgres> {
  const bin = resolveInstallation(undefined).binDir;
  const pgdata = join(dir, 'pgdata');
  await run(join(bin, 'initdb'), ['-D', pgdata, '-U', 'postgres', '--auth=trust', '--no-sync'], as);
  const port = await freePort();
  const options = Object.entries({ port: String(port), listen_addresses: '127.0.0.1', unix_socket_directories: dir, fsync: 'off', ...settings })
    .map(([k, v]) => `-c ${k}=${v}`)
    .join(' ');
  await run(join(bin, 'pg_ctl'), ['-D', pgdata, '-o', options, '-l', join(dir, 'postgres.log'), '-w', '-t', '60', 'start'], as);
  return { port, stop: () => run(join(bin, 'pg_ctl'), ['-D', pgdata, '-m', 'immediate', 'stop'], as).then(() => undefined, () => undefined) };
}

export interface TestPoolerManager {
  /** PgBouncer's client port. */
  port: number;
  httpPort: number;
  runDir: string;
  client: PoolerManagerClient;
  process: ChildProcess;
  /** Replaces the handout file as a platform does (a complete copy renamed over it). */
  writeHandout(h: PoolerHandout | string): void;
  log(): string;
  stop(): Promise<void>;
}

export async function startPoolerManager(dir: string, as: RunAs, handout: PoolerHandout, extraArgs: string[] = []): Promise<TestPoolerManager> {
  const [port, httpPort] = [await freePort(), await freePort()];
  const runDir = join(dir, 'run');
  const handoutPath = join(dir, 'handout.json');
  const logPath = join(dir, 'manager.log');
  const writeHandout = (h: PoolerHandout | string) => {
    const temporary = `${handoutPath}.tmp`;
    writeFileSync(temporary, typeof h === 'string' ? h : JSON.stringify(h), { mode: 0o600 });
    if (as.uid !== undefined) chownSync(temporary, as.uid, as.gid!);
    renameSync(temporary, handoutPath);
  };
  writeHandout(handout);
  const out = openSync(logPath, 'a');
  const child = spawn(
    process.execPath,
    [POOLER_MAIN, '--run-dir', runDir, '--port', String(port), '--http-port', String(httpPort), '--handout-file', handoutPath, ...extraArgs],
    { uid: as.uid, gid: as.gid, stdio: ['ignore', out, out] },
  );
  const client = new PoolerManagerClient({ host: '127.0.0.1', port: httpPort });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    port,
    httpPort,
    runDir,
    client,
    process: child,
    writeHandout,
    log: () => readFileSync(logPath, 'utf8'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(10_000)]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    },
  };
}

/** Polls `check` until it gives a value (not undefined), or fails after `timeoutMs` with the last error. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    await sleep(100);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${(last as Error).message})` : ''}`);
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
