// The CLI's connection to the local control plane, starting it in the background when needed.
import { spawn } from 'node:child_process';
import { closeSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { KubeObject } from '../api/meta.js';
import { openHome, type CnpgHome } from '../platform/local/home.js';
import { readDaemonState, type DaemonState } from '../platform/local/daemon.js';

const CLI_MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const START_TIMEOUT_MS = 20_000;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Runs the program to its end: exits with the code a command left, or words its error for a person. */
export function runCli(program: Command, exitCode: () => number): void {
  program.parseAsync(process.argv).then(
    () => {
      if (exitCode() !== 0) process.exit(exitCode());
    },
    (e: unknown) => {
      const msg = e instanceof Error ? e.message : String(e);
      process.stderr.write(msg.startsWith('error') || msg.startsWith('Error') ? `${msg}\n` : `error: ${msg}\n`);
      process.exit(e instanceof CliError ? e.exitCode : 1);
    },
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class DaemonClient {
  constructor(
    readonly home: CnpgHome,
    private readonly state: DaemonState,
  ) {}

  async request<T>(method: 'GET' | 'POST', path: string, query: Record<string, string | undefined> = {}, payload?: unknown, timeoutMs = 120_000): Promise<T> {
    const params = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined));
    const res = await fetch(`http://127.0.0.1:${this.state.port}${path}?${params}`, {
      method,
      headers: { authorization: `Bearer ${this.state.token}`, 'content-type': 'application/json' },
      body: payload === undefined ? undefined : JSON.stringify(payload),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const data = (await res.json()) as T & { error?: string };
    if (!res.ok) throw new CliError(`Error from server: ${data.error ?? res.statusText}`);
    return data;
  }

  list(kind: string, namespace: string | undefined): Promise<KubeObject[]> {
    return this.request<{ items: KubeObject[] }>('GET', '/list', { kind, namespace }).then((r) => r.items);
  }

  get(kind: string, namespace: string | undefined, name: string): Promise<KubeObject> {
    return this.request<KubeObject>('GET', '/get', { kind, namespace, name });
  }

  async tryGet(kind: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const all = await this.list(kind, namespace);
    return all.find((o) => o.metadata.name === name);
  }
}

async function healthy(state: DaemonState): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${state.port}/healthz`, { headers: { authorization: `Bearer ${state.token}` }, signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

export async function runningDaemon(home: CnpgHome): Promise<DaemonState | undefined> {
  const state = readDaemonState(home);
  return state && (await healthy(state)) ? state : undefined;
}

/** Connects to the operator of this CNPG_HOME, starting one in the background if none runs. */
export async function connect(): Promise<DaemonClient> {
  const home = openHome();
  const running = await runningDaemon(home);
  if (running) return new DaemonClient(home, running);
  const lock = join(home.root, 'operator.starting');
  let starter = false;
  try {
    closeSync(openSync(lock, 'wx', 0o600));
    starter = true;
  } catch {
    // another command is starting it; wait for that one
  }
  try {
    if (starter) {
      const log = openSync(home.daemonLog, 'a', 0o600);
      const child = spawn(process.execPath, [CLI_MAIN, 'operator'], { detached: true, stdio: ['ignore', log, log], env: { ...process.env, CNPG_HOME: home.root } });
      closeSync(log);
      child.unref();
    }
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const state = await runningDaemon(home);
      if (state) return new DaemonClient(home, state);
      await sleep(100);
    }
    throw new CliError(`the operator did not start within ${START_TIMEOUT_MS / 1000}s; see ${home.daemonLog}`);
  } finally {
    if (starter) rmSync(lock, { force: true });
  }
}
