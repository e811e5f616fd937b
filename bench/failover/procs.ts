// Processes the bench starts, and the guarantee that none outlives it: every setup registers its
// teardown here, and a normal end, an error or Ctrl-C runs them all, newest first.
import { spawn, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const teardowns: Array<() => Promise<void>> = [];

/**
 * Registers a teardown; the returned function runs it once and unregisters it when it is done.
 * A second call (Ctrl-C during a normal stop) waits for the one in progress.
 */
export function onCleanup(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  const run = (): Promise<void> =>
    (running ??= fn()
      .catch((e: unknown) => console.error(`cleanup: ${(e as Error).message}`))
      .finally(() => {
        const k = teardowns.indexOf(run);
        if (k >= 0) teardowns.splice(k, 1);
      }));
  teardowns.push(run);
  return run;
}

export async function cleanupAll(): Promise<void> {
  while (teardowns.length > 0) await (teardowns[teardowns.length - 1] as () => Promise<void>)();
}

/** Ctrl-C and kill: tear everything down, then exit (a second signal exits at once). */
export function cleanupOnSignals(): void {
  let stopping = false;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (stopping) process.exit(130);
      stopping = true;
      console.error(`\n${sig}: stopping every process the bench started…`);
      void cleanupAll().finally(() => process.exit(130));
    });
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command without blocking the event loop: the writer shares it, and a synchronous spawn
 * would show up as a write outage.
 */
export function run(file: string, args: string[], opts: SpawnOptions & { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { ...opts, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: stderr + e.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr: signal ? `${stderr}\n(killed by ${signal})` : stderr });
    });
    child.stdin?.end(opts.input ?? '');
  });
}

/**
 * Process ids whose command line or environment contains `marker` (a temp folder of ours, unique
 * per run): the environment catches the cnpg operator daemon, which has CNPG_HOME only there.
 */
export function processesMentioning(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    for (const file of ['cmdline', 'environ']) {
      try {
        if (readFileSync(`/proc/${entry}/${file}`, 'utf8').includes(marker)) {
          pids.push(Number(entry));
          break;
        }
      } catch {
        /* gone, or not ours to read */
      }
    }
  }
  return pids;
}

export function signal(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

export const alive = (pid: number) => signal(pid, 0);

/** SIGQUIT (PostgreSQL's immediate stop), then SIGKILL, for whatever still mentions `marker`. */
export async function killMentioning(marker: string): Promise<void> {
  for (const pid of processesMentioning(marker)) signal(pid, 'SIGQUIT');
  for (let i = 0; i < 25 && processesMentioning(marker).length > 0; i++) await sleep(200);
  for (let round = 0; round < 10; round++) {
    const left = processesMentioning(marker);
    if (left.length === 0) return;
    for (const pid of left) signal(pid, 'SIGKILL');
    await sleep(200);
  }
}

/** Polls `fn` every `everyMs` until it returns a value or `timeoutMs` passes (then undefined). */
export async function poll<T>(fn: () => Promise<T | undefined>, timeoutMs: number, everyMs: number): Promise<T | undefined> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (performance.now() >= deadline) return undefined;
    await sleep(everyMs);
  }
}
