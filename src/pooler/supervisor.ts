// Runs PgBouncer as a child process in the foreground and starts it again when it dies, waiting
// longer after each quick death (a configuration PgBouncer refuses would otherwise spin). Its log
// lines go to the manager's log. A PgBouncer left by a manager that was killed (it holds the pid
// file) is stopped first: two would share the port through so_reuseport.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { log } from './log.js';

export interface SupervisorOptions {
  binary: string;
  iniPath: string;
  pidFile: string;
  /** The first wait before a restart; doubled after each quick death up to maxBackoffMs. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/** A PgBouncer that ran this long before dying starts again at once. */
const STABLE_MS = 30_000;
/** The last warnings and errors PgBouncer wrote, kept to say why it died. */
const TAIL_LINES = 5;
const PROBLEM = / (WARNING|ERROR|FATAL) /;
/** `2026-01-01 00:00:00.000 UTC [42] ERROR invalid value …` → `ERROR invalid value …` */
export const withoutPrefix = (line: string) => line.replace(/^.*? (WARNING|ERROR|FATAL) /, '$1 ');
/** The manager's own console sessions (status, metrics): one login and one close per scrape, not worth a log line. */
const OWN_CONSOLE = /\/pgbouncer@unix\(/;

export interface SupervisorEvents {
  started: [pid: number];
  /** Each line PgBouncer logs: the manager reads what a RELOAD made of the new files. */
  line: [line: string];
  exited: [info: { code: number | null; signal: NodeJS.Signals | null; lastLines: string[] }];
}

export class PgBouncerSupervisor extends EventEmitter<SupervisorEvents> {
  private child: ChildProcess | undefined;
  private startedAt = 0;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private tail: string[] = [];
  restarts = 0;

  constructor(private readonly o: SupervisorOptions) {
    super();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts PgBouncer now unless it runs; a restart waiting for its backoff happens at once. */
  async ensureRunning(): Promise<void> {
    if (this.child || this.stopping) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.stopLeftover();
    this.spawn();
  }

  private spawn(): void {
    if (this.child || this.stopping) return;
    this.clearStalePidFile();
    this.tail = [];
    const child = spawn(this.o.binary, [this.o.iniPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.startedAt = Date.now();
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        if (PROBLEM.test(line)) this.tail = [...this.tail, withoutPrefix(line)].slice(-TAIL_LINES);
        if (!OWN_CONSOLE.test(line)) log('info', line, {}, 'pgbouncer');
        this.emit('line', line);
      });
    }
    child.once('spawn', () => this.emit('started', child.pid!));
    child.once('error', (e) => this.tail.push(e.message));
    child.once('close', (code, signal) => {
      this.child = undefined;
      this.emit('exited', { code, signal, lastLines: this.tail });
      if (this.stopping) return;
      this.failures = Date.now() - this.startedAt >= STABLE_MS ? 0 : this.failures + 1;
      const min = this.o.minBackoffMs ?? 250;
      const delay = this.failures === 0 ? 0 : Math.min(this.o.maxBackoffMs ?? 10_000, min * 2 ** (this.failures - 1));
      log('warn', 'PgBouncer exited; starting it again', { code, signal, inMs: delay, lastLines: this.tail });
      this.restarts++;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.spawn();
      }, delay);
    });
  }

  /** A PgBouncer of this run folder that outlived its manager: the pid file names it, its command line names our ini. */
  private async stopLeftover(): Promise<void> {
    if (!existsSync(this.o.pidFile)) return;
    const pid = Number(readFileSync(this.o.pidFile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 1 || !this.isOurs(pid)) return;
    log('warn', 'stopping a PgBouncer left running by an earlier manager', { pid });
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 50 && this.isOurs(pid); i++) await sleep(100);
    if (this.isOurs(pid)) process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 50 && this.isOurs(pid); i++) await sleep(100);
  }

  /**
   * A PgBouncer killed with SIGKILL leaves its pid file, and PgBouncer refuses to start while the
   * pid it names is alive: once that number belongs to another process, it would never start again.
   */
  private clearStalePidFile(): void {
    if (!existsSync(this.o.pidFile)) return;
    const pid = Number(readFileSync(this.o.pidFile, 'utf8').trim());
    if (!this.isOurs(pid)) rmSync(this.o.pidFile, { force: true });
  }

  private isOurs(pid: number): boolean {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(this.o.iniPath);
    } catch {
      return false;
    }
  }

  /**
   * Stops PgBouncer for good: SIGINT first (PgBouncer's safe shutdown: transactions in flight
   * finish, then it exits), SIGTERM (clients cut) once `graceMs` has passed, SIGKILL 2 s later.
   * The local platform waits 10 s for a manager before killing its process group.
   */
  async stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    const child = this.child;
    if (!child) return;
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    child.kill('SIGINT');
    const terminate = setTimeout(() => child.kill('SIGTERM'), graceMs);
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs + 2000);
    await closed;
    clearTimeout(terminate);
    clearTimeout(kill);
  }
}
