// A manager is PID 1 of its container, and the kernel drops a signal PID 1 has no handler for. A
// Pod deleted while its manager was still loading its modules (~0.3 s, more on a busy node) kept
// running until the kubelet's SIGKILL at the end of the grace period. The managers now take stop
// signals from their first import on. The test runs each manager as PID 1 of a PID namespace of its
// own and sends one SIGTERM shortly after Node.js starts, while the rest is still loading.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const DIST_SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** Runs `args` as PID 1 of a new PID namespace; resolves its PID as seen from here once Node.js runs. */
async function spawnAsInit(args: string[], env: NodeJS.ProcessEnv): Promise<{ pid: number; exited: Promise<number | null>; kill: () => void }> {
  const child = spawn('unshare', ['--pid', '--fork', '--kill-child', process.execPath, ...args], { env, stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const pid = await namespaceInit(child.pid as number);
  await nodeStarted(pid);
  return { pid, exited, kill: () => child.kill('SIGKILL') };
}

/**
 * How long this machine, now, takes from Node.js's own startup to running a module that imports
 * nothing: the moment before which no code of ours can take a signal.
 */
async function bareStartMs(): Promise<number> {
  const started = await spawnAsInit(['--input-type=module', '--eval', ''], process.env);
  const t0 = performance.now();
  await started.exited;
  return performance.now() - t0;
}

/** The PID (seen from here) of unshare's child, the process that is PID 1 in the new namespace. */
async function namespaceInit(unsharePid: number): Promise<number> {
  for (let i = 0; i < 500; i++) {
    const children = readdirSync(`/proc/${unsharePid}/task`).flatMap((t) => readFileSync(`/proc/${unsharePid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean));
    if (children[0]) return Number(children[0]);
    await sleep(2);
  }
  throw new Error('unshare started no child');
}

/** Waits until Node.js has installed its own SIGTERM handler: the process runs Node, not unshare's exec. */
async function nodeStarted(pid: number): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    const caught = /^SigCgt:\s+([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    if (caught && (BigInt(`0x${caught}`) >> 14n) & 1n) return;
    await sleep(1);
  }
  throw new Error('node never installed a SIGTERM handler');
}

for (const [what, entry, args] of [
  ['instance manager', 'instance/main.js', ['--pod']],
  ['pooler manager', 'pooler/main.js', ['--run-dir', '/nonexistent', '--port', '1', '--http-port', '1', '--handout-file', '/nonexistent']],
] as const) {
  test(`a ${what} that is PID 1 stops on a SIGTERM sent while it is still loading`, { timeout: 30_000, skip: process.getuid?.() !== 0 && 'unshare --pid needs root' }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'cnpg-early-signal-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    // The instance manager waits for a spec that never comes; the pooler manager for nothing, as it
    // ends on its bad flags once loaded (exit 2): either way only a stop signal ends it in time.
    const bare = await bareStartMs();
    const manager = await spawnAsInit([join(DIST_SRC, entry), ...args], { ...process.env, CNPG_INSTANCE_ROOT: join(dir, 'root'), CNPG_SPEC_DIR: join(dir, 'spec') });
    t.after(manager.kill);
    // Past a bare start, but well before the ~0.3 s the managers' modules take to load.
    await sleep(bare * 1.5 + 20);
    process.kill(manager.pid, 'SIGTERM');
    const exited = manager.exited;
    const code = await Promise.race([exited, sleep(10_000).then(() => 'still running')]);
    assert.equal(code, 0, `the SIGTERM was dropped (${String(code)})`);
  });
}
