// The pooler manager: applies the newest handout to one PgBouncer and reports how it went. A
// handout becomes files in the private run folder, then PgBouncer starts (the first time) or
// RELOADs (clients stay connected), then PAUSE or RESUME follows `paused`. A PgBouncer that died is
// started again by the supervisor, and the manager puts it back in the state the handout asks for.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AdminConsole, consoleCommand, type ConsoleAddress } from '../pgbouncer/console.js';
import { FILE_NAMES, renderFiles, type Placement } from '../pgbouncer/files.js';
import { handoutHash, type PoolerHandout } from '../pgbouncer/handout.js';
import { PgBouncerMetrics } from '../pgbouncer/metrics.js';
import { log } from './log.js';
import type { PoolerStatus } from './protocol.js';
import { ensurePrivateDir, writeAtomically } from './run-dir.js';
import { PgBouncerSupervisor } from './supervisor.js';

export interface ManagerOptions {
  /** The manager's private folder: PgBouncer's files and its unix socket. */
  runDir: string;
  listenAddr: string;
  listenPort: number;
  reusePort: boolean;
  /** PgBouncer's executable. */
  binary: string;
  /** How long a started PgBouncer may take before its console answers. */
  startTimeoutMs?: number;
}

type PauseState = 'running' | 'pausing' | 'paused';

export class PoolerManager {
  private readonly placement: Placement;
  private readonly console: ConsoleAddress;
  private readonly supervisor: PgBouncerSupervisor;
  private readonly metrics = new PgBouncerMetrics();
  /** The handout PgBouncer runs with. */
  private applied: { hash: string; paused: boolean } | undefined;
  /** The newest handout offered and not yet taken up by the apply loop. */
  private next: PoolerHandout | undefined;
  private queue: Promise<void> = Promise.resolve();
  private consoleUp = false;
  private pause: PauseState = 'running';
  /** Bumped whenever a PAUSE in flight stops mattering (RESUME, a restart). */
  private pauseGeneration = 0;
  private pausing: AdminConsole | undefined;
  private error: string | undefined;
  private stopped = false;

  constructor(private readonly o: ManagerOptions) {
    ensurePrivateDir(o.runDir);
    const socketDir = join(o.runDir, 'socket');
    ensurePrivateDir(socketDir);
    // Made anew by each manager: the console password lives only in this run's files and memory.
    const adminPassword = randomBytes(24).toString('hex');
    this.placement = { runDir: o.runDir, socketDir, listenAddr: o.listenAddr, listenPort: o.listenPort, reusePort: o.reusePort, adminPassword };
    this.console = { socketDir, port: o.listenPort, password: adminPassword };
    this.supervisor = new PgBouncerSupervisor({ binary: o.binary, iniPath: join(o.runDir, FILE_NAMES.ini), pidFile: join(o.runDir, FILE_NAMES.pid) });
    this.supervisor.on('started', (pid) => {
      log('info', 'PgBouncer started', { pid });
      this.enqueue(() => this.restore());
    });
    this.supervisor.on('exited', ({ code, signal, lastLines }) => {
      this.consoleUp = false;
      this.pause = 'running';
      this.pauseGeneration++;
      if (!this.stopped) this.error = `PgBouncer exited (${signal ?? `code ${code}`}): ${lastLines.join(' | ') || 'no warning or error in its log'}`;
    });
  }

  /** Takes a new handout; only the newest of those offered while an apply runs is applied. */
  offer(handout: PoolerHandout): void {
    this.next = handout;
    this.enqueue(async () => {
      const h = this.next;
      this.next = undefined;
      if (h) await this.apply(h);
    });
  }

  /** A handout the source could not read or parse: reported, and what runs stays as it is. */
  refuse(error: Error): void {
    if (error.message !== this.error) log('error', 'handout refused', { error: error.message });
    this.error = error.message;
  }

  status(): PoolerStatus {
    const pid = this.supervisor.pid;
    return {
      ...(this.applied ? { appliedHash: this.applied.hash } : {}),
      ready: this.applied !== undefined && pid !== undefined && this.consoleUp,
      paused: this.pause === 'paused',
      ...(pid !== undefined ? { pid } : {}),
      ...(this.error ? { error: this.error } : {}),
      restarts: this.supervisor.restarts,
    };
  }

  async metricsText(): Promise<{ contentType: string; text: string }> {
    const console = this.consoleUp ? await AdminConsole.connect(this.console, 2000).catch((e: Error) => e) : new Error('PgBouncer is not running');
    try {
      await this.metrics.collect((command) => (console instanceof Error ? Promise.reject(console) : console.run(command)));
    } finally {
      if (!(console instanceof Error)) await console.close();
    }
    return { contentType: this.metrics.contentType, text: await this.metrics.text() };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.pauseGeneration++;
    await this.pausing?.close();
    await this.supervisor.stop();
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((e: Error) => {
      this.error = e.message;
      log('error', 'applying the handout failed', { error: e.message });
    });
  }

  /** Resolves when the queue has run everything offered so far (tests and shutdown). */
  settled(): Promise<void> {
    return this.queue;
  }

  private async apply(handout: PoolerHandout): Promise<void> {
    if (this.stopped) return;
    const hash = handoutHash(handout);
    const files = renderFiles(handout, this.placement);
    for (const file of files) writeAtomically(this.o.runDir, file);
    // Material a previous handout had and this one has not (a client CA) goes with it.
    const written = new Set(files.map((f) => f.name));
    for (const name of Object.values(FILE_NAMES)) {
      if (name !== FILE_NAMES.pid && !written.has(name)) rmSync(join(this.o.runDir, name), { force: true });
    }
    if (this.supervisor.pid === undefined) {
      await this.supervisor.ensureRunning();
      await this.waitForConsole();
    } else {
      await consoleCommand(this.console, 'RELOAD');
    }
    this.applied = { hash, paused: handout.paused };
    this.error = undefined;
    await this.syncPause();
    log('info', 'handout applied', { hash, paused: handout.paused });
  }

  /** After PgBouncer (re)started: once its console answers, the handout's pause state holds again. */
  private async restore(): Promise<void> {
    if (this.stopped || this.supervisor.pid === undefined) return;
    await this.waitForConsole();
    if (this.applied) {
      this.error = undefined;
      await this.syncPause();
    }
  }

  private async waitForConsole(): Promise<void> {
    const deadline = Date.now() + (this.o.startTimeoutMs ?? 15_000);
    let last: Error | undefined;
    while (Date.now() < deadline && !this.stopped) {
      if (this.supervisor.pid === undefined) throw new Error(`PgBouncer did not start: ${this.error ?? 'it exited'}`);
      try {
        await consoleCommand(this.console, 'SHOW VERSION', 1000);
        this.consoleUp = true;
        return;
      } catch (e) {
        last = e as Error;
        await sleep(100);
      }
    }
    throw new Error(`PgBouncer's console did not answer within ${this.o.startTimeoutMs ?? 15_000} ms: ${last?.message ?? 'stopped'}`);
  }

  /**
   * PAUSE waits until every server connection is released (in session mode, until clients leave),
   * so it runs on a connection of its own and `paused` turns true when it returns; RESUME ends it.
   */
  private async syncPause(): Promise<void> {
    const want = this.applied?.paused ?? false;
    if (want && this.pause === 'running') {
      const generation = ++this.pauseGeneration;
      this.pause = 'pausing';
      const console = await AdminConsole.connect(this.console);
      this.pausing = console;
      console
        .run('PAUSE')
        .then(
          () => {
            if (generation === this.pauseGeneration) this.pause = 'paused';
          },
          (e: Error) => {
            if (generation !== this.pauseGeneration) return;
            this.pause = 'running';
            this.error = `PAUSE failed: ${e.message}`;
          },
        )
        .finally(() => {
          if (this.pausing === console) this.pausing = undefined;
          void console.close();
        });
      log('info', 'PAUSE sent: PgBouncer drains its server connections');
    } else if (!want && this.pause !== 'running') {
      this.pauseGeneration++;
      await this.pausing?.close();
      await consoleCommand(this.console, 'RESUME').catch((e: Error) => {
        // A PAUSE cut before it took hold leaves nothing to resume.
        if (!/not paused/i.test(e.message)) throw e;
      });
      this.pause = 'running';
      log('info', 'RESUME sent: PgBouncer serves clients again');
    }
  }
}
