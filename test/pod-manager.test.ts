// The instance manager as a Pod runs it on an operand image without Node.js: copied by the
// bootstrap-controller into a folder, started from there as PID 1 of its own PID namespace, with a
// PATH holding only PostgreSQL, no writable HOME, and the spec and credentials mounted as the
// operator's Secret. Needs root (namespaces, and PostgreSQL runs as Debian's postgres user).
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { copyManager } from '../src/instance/manager-copy.js';
import { instancePaths } from '../src/instance/paths.js';
import type { Credentials, InstanceSpec } from '../src/instance/spec.js';
import { eventually, REPO } from './support/env.js';
import { freePort } from './support/s3.js';

const PG_BIN = '/usr/lib/postgresql/15/bin';
const isRoot = process.getuid?.() === 0;
const skip = !isRoot ? 'needs root: PID namespaces, and PostgreSQL run as the postgres user' : !existsSync(join(PG_BIN, 'postgres')) ? `no PostgreSQL 15 in ${PG_BIN}` : false;

const root = mkdtempSync(join(tmpdir(), 'cnpg-pod-manager-'));
const manager = join(root, 'manager');
/** unshare and the manager it forked: setpriv's change of user drops unshare's --kill-child, so both are killed. */
const running = new Set<number>();
let postgres: { uid: number; gid: number };

before(() => {
  if (skip) return;
  chmodSync(root, 0o755);
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  postgres = { uid: id('-u'), gid: id('-g') };
  // What the init container does, from this build.
  copyManager(manager, { runtime: process.execPath, appRoot: REPO });
});

after(async () => {
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await sleep(200);
  rmSync(root, { recursive: true, force: true });
});

interface PodManager {
  /** The manager's pid as the host sees it; PID 1 inside its namespace. */
  pid: number;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs the copied manager as a Pod's main container would: PID 1, the postgres user, no Node.js on PATH. */
async function startPodManager(dataRoot: string, specDir: string): Promise<PodManager> {
  const env = { PATH: PG_BIN, CNPG_INSTANCE_ROOT: dataRoot, CNPG_SPEC_DIR: specDir, POD_IP: '127.0.0.1' };
  return startFromCopy(['instance/main.js', '--pod'], env);
}

async function startFromCopy([entry, ...args]: string[], env: Record<string, string>): Promise<PodManager> {
  const command = ['--pid', '--fork', '--mount-proc', '--kill-child', '--', '/usr/bin/setpriv', `--reuid=${postgres.uid}`, `--regid=${postgres.gid}`, '--clear-groups', '--'];
  const child = spawn('/usr/bin/unshare', [...command, join(manager, 'node'), join(manager, 'app/dist/src', entry!), ...args], {
    cwd: '/',
    env: { HOME: '/nonexistent', LANG: 'C.UTF-8', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child.pid!);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pid = await eventually('the manager forked into its PID namespace', async () => {
    const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim();
    return children ? Number(children.split(' ')[0]) : undefined;
  }, 10_000, 20);
  running.add(pid);
  await eventually('the manager running from the copy', async () => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('main.js') || undefined, 10_000, 20);
  return { pid, child, output: () => out, exited };
}

/** Processes whose parent is `pid`, by host pid, with their state (R, S, Z…) and command line. */
function childrenOf(pid: number): { pid: number; state: string; cmdline: string }[] {
  const found = [];
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === pid) found.push({ pid: Number(entry), state: state!, cmdline: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ') });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function instanceReady(statusPort: number, pod: PodManager): Promise<void> {
  await eventually(
    'the instance ready',
    async () => {
      const res = await fetch(`http://127.0.0.1:${statusPort}/pg/status`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
      return res?.ok && ((await res.json()) as { ready?: boolean }).ready === true ? true : undefined;
    },
    90_000,
    250,
  ).catch((e: Error) => assert.fail(`${e.message}\nmanager output:\n${pod.output()}`));
}

function folders(name: string): { dataRoot: string; specDir: string } {
  const dataRoot = join(root, `${name}-data`);
  const specDir = join(root, `${name}-spec`);
  mkdirSync(dataRoot, { mode: 0o700 });
  chownSync(dataRoot, postgres.uid, postgres.gid);
  mkdirSync(specDir);
  return { dataRoot, specDir };
}

test('the copy leaves out what the manager never runs, and holds its own Node.js', { skip }, () => {
  assert.ok(existsSync(join(manager, 'node')));
  assert.ok(existsSync(join(manager, 'app/dist/src/instance/main.js')));
  assert.ok(existsSync(join(manager, 'app/dist/src/pooler/main.js')));
  assert.ok(!existsSync(join(manager, 'app/dist/test')), 'no integration tests');
  assert.ok(!existsSync(join(manager, 'app/node_modules/typescript')), 'no development packages');
  const version = execFileSync(join(manager, 'node'), ['--version'], { encoding: 'utf8', env: { PATH: '' } }).trim();
  assert.equal(version, process.version);
});

test('a manager still waiting for its spec stops at once on SIGTERM, as PID 1 of its Pod', { skip }, async () => {
  const { dataRoot, specDir } = folders('waiting');
  const pod = await startPodManager(dataRoot, specDir);
  // Node's own SIGTERM handler (it resets the terminal, then re-raises the signal, which PID 1 drops)
  // is there from the start, so the test waits until the manager says it waits; a manager that
  // does not say so gets 3 s to load.
  await eventually('the manager waiting for its spec', async () => pod.output().includes('waiting for the spec') || undefined, 3_000, 50).catch(() => undefined);
  const sent = Date.now();
  process.kill(pod.pid, 'SIGTERM');
  const code = await Promise.race([pod.exited, sleep(5_000).then(() => 'still running' as const)]);
  assert.notEqual(code, 'still running', `the manager ignored SIGTERM for 5 s (as PID 1 a signal without a handler is dropped; the kubelet would wait out stopDelay); output:\n${pod.output()}`);
  assert.equal(code, 0);
  assert.ok(Date.now() - sent < 2_000, `stopped ${Date.now() - sent} ms after SIGTERM`);
});

test('the copied manager runs PostgreSQL from the image’s PATH without Node.js there, restarts it after a SIGKILL as PID 1, and shuts it down cleanly on SIGTERM', { skip }, async (t) => {
  const { dataRoot, specDir } = folders('instance');
  const [pgPort, statusPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const spec: InstanceSpec = {
    namespace: 'default',
    cluster: 'pod',
    name: 'pod-1',
    serial: 1,
    generation: 1,
    // The operator names Debian's folder; this image keeps its PostgreSQL elsewhere, on PATH.
    binDir: '/usr/lib/postgresql/99/bin',
    major: 15,
    osUser: 'postgres',
    pgPort,
    statusPort,
    metricsPort,
    role: 'primary',
    bootstrap: { kind: 'initdb', database: 'app', owner: 'app', encoding: 'UTF8', localeCollate: 'C', localeCType: 'C', dataChecksums: false, postInitSQL: [], postInitApplicationSQL: [], postInitTemplateSQL: [] },
    parameters: {},
    pgHba: [],
    pgIdent: [],
    localRoles: ['app'],
    replicationSlots: [],
    enableSuperuserAccess: false,
    managedRoles: [],
    fenced: false,
    peers: [],
    listenAddress: '127.0.0.1',
    isolationTimeoutMs: 3_600_000,
  };
  const credentials: Credentials = { app: { username: 'app', password: 'app-password' }, replicationPassword: 'replication-password', rolePasswords: {}, managerToken: 'pod-token' };
  writeFileSync(join(specDir, 'instance.json'), JSON.stringify(spec));
  writeFileSync(join(specDir, 'credentials.json'), JSON.stringify(credentials));
  const pod = await startPodManager(dataRoot, specDir);
  await instanceReady(statusPort, pod);
  assert.match(pod.output(), new RegExp(`"binDir":"${PG_BIN}"`), 'the manager says which PostgreSQL it found');

  // A postmaster killed outright (the OOM killer): its backends exit by themselves and, orphaned,
  // become PID 1's children, which Node.js cannot wait for (docs/operand-images.md).
  const postmaster = childrenOf(pod.pid).find((c) => c.cmdline.includes(`${PG_BIN}/postgres`));
  assert.ok(postmaster, `a postmaster child of the manager: ${JSON.stringify(childrenOf(pod.pid))}`);
  process.kill(postmaster.pid, 'SIGKILL');
  await eventually('a new postmaster', async () => childrenOf(pod.pid).some((c) => c.state !== 'Z' && c.pid !== postmaster.pid && c.cmdline.includes(`${PG_BIN}/postgres -D`)) || undefined, 60_000, 100);
  await instanceReady(statusPort, pod);
  const zombies = childrenOf(pod.pid).filter((c) => c.state === 'Z');
  t.diagnostic(`after the postmaster's SIGKILL: ${zombies.length} orphaned PostgreSQL processes left as zombies under the manager (PID 1)`);

  const pgdata = instancePaths(dataRoot).pgdata;
  assert.ok(existsSync(join(pgdata, 'postmaster.pid')));
  process.kill(pod.pid, 'SIGTERM');
  const code = await Promise.race([pod.exited, sleep(30_000).then(() => 'still running' as const)]);
  assert.equal(code, 0, `exit after SIGTERM; output:\n${pod.output()}`);
  // The namespace's processes die with its PID 1 anyway; a postmaster that removed its pid file was shut down, not killed.
  assert.ok(!existsSync(join(pgdata, 'postmaster.pid')), 'PostgreSQL shut down cleanly before the manager exited');
});

test('the copied pooler manager loads (its Kubernetes client included) and serves its probes with only PgBouncer’s folder on PATH', { skip }, async () => {
  const runDir = join(root, 'pooler-run');
  mkdirSync(runDir, { mode: 0o700 });
  chownSync(runDir, postgres.uid, postgres.gid);
  const [port, httpPort] = [await freePort(), await freePort()];
  const args = ['pooler/main.js', '--run-dir', join(runDir, 'pgbouncer'), '--port', String(port), '--http-port', String(httpPort), '--handout-file', join(root, 'no-handout-yet.json')];
  const pod = await startFromCopy(args, { PATH: '/usr/sbin' });
  await eventually('the pooler manager’s /healthz', async () => (await fetch(`http://127.0.0.1:${httpPort}/healthz`).catch(() => undefined))?.ok || undefined, 20_000, 100).catch((e: Error) =>
    assert.fail(`${e.message}\noutput:\n${pod.output()}`),
  );
  process.kill(pod.pid, 'SIGTERM');
  const code = await Promise.race([pod.exited, sleep(10_000).then(() => 'still running' as const)]);
  assert.equal(code, 0, `exit after SIGTERM; output:\n${pod.output()}`);
});
