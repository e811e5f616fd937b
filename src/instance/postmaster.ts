// Runs one postmaster as a child (so its exit is an event, not something polled) or adopts one
// that outlived a previous manager, and stops it in the escalating order PostgreSQL expects.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ShutdownStep } from './shutdown.js';

export function readPostmasterPid(pgdata: string): number | undefined {
  const file = join(pgdata, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Running, as opposed to gone or a zombie waiting for a parent (or a slow init) to reap it. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export function isPostmasterOf(pid: number, pgdata: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.some((arg) => arg.endsWith('postgres')) && cmdline.includes(pgdata);
  } catch {
    return false;
  }
}

export interface PostmasterEvents {
  exit: [code: number | null, signal: string | null];
}

export class Postmaster extends EventEmitter<PostmasterEvents> {
  private child?: ChildProcess;
  private adoptedPid?: number;
  private adoptPoll?: NodeJS.Timeout;

  constructor(
    private readonly binDir: string,
    private readonly pgdata: string,
    private readonly logFile: string,
    /** Variables added to PostgreSQL's environment at each start (spec.env). */
    private readonly env: () => Record<string, string> = () => ({}),
  ) {
    super();
  }

  get pid(): number | undefined {
    return this.child?.pid ?? this.adoptedPid;
  }

  get running(): boolean {
    return this.pid !== undefined;
  }

  /** Takes over a postmaster left running by an earlier manager, if there is one. */
  adopt(): boolean {
    const pid = readPostmasterPid(this.pgdata);
    if (pid === undefined || !isAlive(pid) || !isPostmasterOf(pid, this.pgdata)) return false;
    this.adoptedPid = pid;
    // Not our child, so no exit event: watch it closely instead.
    this.adoptPoll = setInterval(() => {
      if (this.adoptedPid !== undefined && !isAlive(this.adoptedPid)) {
        this.clearAdopted();
        this.emit('exit', null, null);
      }
    }, 100);
    return true;
  }

  private clearAdopted(): void {
    if (this.adoptPoll) clearInterval(this.adoptPoll);
    this.adoptPoll = undefined;
    this.adoptedPid = undefined;
  }

  start(): void {
    if (this.running) return;
    const log = openSync(this.logFile, 'a', 0o600);
    const child = spawn(join(this.binDir, 'postgres'), ['-D', this.pgdata], { stdio: ['ignore', log, log], env: { ...process.env, ...this.env() } });
    closeSync(log);
    this.child = child;
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      this.emit('exit', code, signal);
    });
  }

  private signal(sig: NodeJS.Signals): void {
    const pid = this.pid;
    if (pid === undefined) return;
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  }

  /** Fast shutdown, then immediate after `fastTimeoutMs`. Resolves when the postmaster is gone. */
  stop(fastTimeoutMs = 30_000): Promise<void> {
    return this.stopInSteps([{ signal: 'SIGINT', timeoutMs: fastTimeoutMs }, { signal: 'SIGQUIT' }]);
  }

  /** Each step's signal in turn, the next once its timeout passed. Resolves when the postmaster is gone. */
  async stopInSteps(steps: readonly ShutdownStep[]): Promise<void> {
    if (!this.running) return;
    let exited = false;
    const gone = new Promise<void>((resolve) => this.once('exit', () => resolve())).then(() => void (exited = true));
    for (const step of steps) {
      if (exited) break;
      this.signal(step.signal);
      if (step.timeoutMs === undefined) break;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([gone, new Promise<void>((resolve) => (timer = setTimeout(resolve, step.timeoutMs)))]);
      clearTimeout(timer);
    }
    await gone;
  }

  reload(): void {
    this.signal('SIGHUP');
  }

  dispose(): void {
    this.clearAdopted();
  }
}
