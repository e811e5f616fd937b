// The CLI's connection to the local control plane, starting it in the background when needed.
import { spawn } from 'node:child_process';
import { closeSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { KubeObject } from '../api/meta.js';
import { isAlive } from '../instance/postmaster.js';
import { openHome, type CnpgHome } from '../platform/local/home.js';
import { readDaemonState, type DaemonState } from '../platform/local/daemon.js';
import type { LoopDelay } from '../platform/local/loop-delay.js';
import { unansweredCallMessage } from './operator-errors.js';
import { setTimeout as sleep } from 'node:timers/promises';

const CLI_MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const START_TIMEOUT_MS = 20_000;
const HEALTH_TIMEOUT_MS = 2000;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Runs the program to its end: exits with the code a command left, or words its error for a person. */
export function runCli(program: Command, exitCode: () => number, argv: readonly string[] = process.argv): void {
  program.parseAsync(argv).then(
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

export interface Health {
  ok: boolean;
  pid: number;
  eventLoopDelay?: LoopDelay;
}

/** One request to the operator; one that gets no answer is a CliError that says why. */
async function call(home: CnpgHome, state: DaemonState, method: 'GET' | 'POST', path: string, query: Record<string, string | undefined>, payload: unknown, timeoutMs: number): Promise<Response> {
  const params = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined));
  try {
    return await fetch(`http://127.0.0.1:${state.port}${path}${params.size > 0 ? `?${params}` : ''}`, {
      method,
      headers: { authorization: `Bearer ${state.token}`, 'content-type': 'application/json' },
      body: payload === undefined ? undefined : JSON.stringify(payload),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new CliError(unansweredCallMessage({ method, path, port: state.port, pid: state.pid, timeoutMs, log: home.daemonLog, running: isAlive(state.pid), error }));
  }
}

async function json<T>(res: Response, method: string, path: string): Promise<T & { error?: string }> {
  const text = await res.text();
  try {
    return JSON.parse(text) as T & { error?: string };
  } catch {
    throw new CliError(`the operator answered ${method} ${path} with HTTP ${res.status} and no JSON: ${text.slice(0, 200)}`);
  }
}

export class DaemonClient {
  constructor(
    readonly home: CnpgHome,
    private readonly state: DaemonState,
  ) {}

  async request<T>(method: 'GET' | 'POST', path: string, query: Record<string, string | undefined> = {}, payload?: unknown, timeoutMs = 120_000): Promise<T> {
    const res = await call(this.home, this.state, method, path, query, payload, timeoutMs);
    const data = await json<T>(res, method, path);
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

/** What asking the operator of a CNPG_HOME found: answering, not running, or running without answering (and why). */
export type OperatorProbe =
  | { kind: 'answering'; state: DaemonState; health: Health }
  | { kind: 'not running' }
  | { kind: 'not answering'; state: DaemonState; why: string };

export async function probeOperator(home: CnpgHome): Promise<OperatorProbe> {
  const state = readDaemonState(home);
  if (!state) return { kind: 'not running' };
  try {
    const res = await call(home, state, 'GET', '/healthz', {}, undefined, HEALTH_TIMEOUT_MS);
    const health = await json<Health>(res, 'GET', '/healthz');
    if (!res.ok) return { kind: 'not answering', state, why: `the operator (pid ${state.pid}) answered GET /healthz with HTTP ${res.status}: ${health.error ?? res.statusText} (see ${home.daemonLog})` };
    return { kind: 'answering', state, health };
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    return isAlive(state.pid) ? { kind: 'not answering', state, why: e.message } : { kind: 'not running' };
  }
}

/**
 * Connects to the operator of this CNPG_HOME, starting one in the background if none runs. One
 * that runs but does not answer yet (busy, starting) is given until the start timeout; another is
 * never started beside it.
 */
export async function connect(): Promise<DaemonClient> {
  const home = openHome();
  const deadline = Date.now() + START_TIMEOUT_MS;
  const lock = join(home.root, 'operator.starting');
  let starter = false;
  let startAttempted = false;
  try {
    for (;;) {
      const found = await probeOperator(home);
      if (found.kind === 'answering') return new DaemonClient(home, found.state);
      if (found.kind === 'not running' && !startAttempted) {
        startAttempted = true;
        starter = startInBackground(home, lock);
      }
      if (Date.now() >= deadline) {
        throw new CliError(found.kind === 'not answering' ? found.why : `the operator did not start within ${START_TIMEOUT_MS / 1000} s; see ${home.daemonLog}`);
      }
      await sleep(100);
    }
  } finally {
    if (starter) rmSync(lock, { force: true });
  }
}

/** False when another command holds the lock and is starting it. */
function startInBackground(home: CnpgHome, lock: string): boolean {
  try {
    closeSync(openSync(lock, 'wx', 0o600));
  } catch {
    return false;
  }
  const log = openSync(home.daemonLog, 'a', 0o600);
  const child = spawn(process.execPath, [CLI_MAIN, 'operator'], { detached: true, stdio: ['ignore', log, log], env: { ...process.env, CNPG_HOME: home.root } });
  closeSync(log);
  child.unref();
  return true;
}
