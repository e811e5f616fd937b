// One test server process: started with its own environment, unref'd and killed when node exits,
// ready once a URL answers, stopped with SIGTERM (then SIGKILL) and its folder removed.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface ServerProcess {
  stop(): Promise<void>;
}

export interface ServerOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Removed when the server stops. */
  dir: string;
  /** Ready once this URL answers (okOnly: with a 2xx status). */
  readyURL: string;
  okOnly?: boolean;
}

export async function startServerProcess(o: ServerOptions): Promise<ServerProcess> {
  const child = spawn(o.command, o.args, { env: { ...process.env, ...o.env }, stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(child);
  child.on('exit', () => live.delete(child));
  child.unref();
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(o.dir, { recursive: true, force: true });
  };
  try {
    await waitUntilAnswering(o.readyURL, child, () => stderr, o.name, o.okOnly ?? true);
  } catch (err) {
    await stop();
    throw err;
  }
  return { stop };
}

/** Polls the URL until it answers; fails early if the process dies. */
export async function waitUntilAnswering(url: string, proc: ChildProcess, stderr: () => string, name: string, okOnly = true, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`${name} exited (${proc.exitCode ?? proc.signalCode}) before answering:\n${stderr()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.ok || !okOnly) return;
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  proc.kill('SIGKILL');
  throw new Error(`${name} at ${url} did not answer within ${timeoutMs} ms:\n${stderr()}`);
}
