// The Patroni reference's processes: one etcd and three Patroni agents on loopback, each agent
// restarted 100 ms after it dies unless we stopped it, as Debian's patroni.service
// (Restart=on-failure) does — without that, a killed agent would never come back.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { OsUser } from '../../src/platform/local/home.js';
import { ETCD, PATRONI } from './install.js';
import { poll, signal } from './procs.js';

const RESTART_DELAY_MS = 100;

const exited = (p: ChildProcess) => p.exitCode !== null || p.signalCode !== null;

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
async function terminate(p: ChildProcess | undefined, graceMs: number): Promise<void> {
  if (!p?.pid || exited(p)) return;
  signal(p.pid, 'SIGTERM');
  if (!(await poll(async () => (exited(p) ? true : undefined), graceMs, 100))) {
    signal(p.pid, 'SIGKILL');
    await poll(async () => (exited(p) ? true : undefined), 2000, 50);
  }
}

function spawnLogged(file: string, args: string[], log: string, runAs: OsUser | undefined, home: string): ChildProcess {
  const fd = openSync(log, 'a');
  try {
    // Own process group: Ctrl-C in the terminal reaches the bench only, which then stops these in order.
    return spawn(file, args, {
      uid: runAs?.uid,
      gid: runAs?.gid,
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' },
    });
  } finally {
    closeSync(fd);
  }
}

export class Etcd {
  private proc?: ChildProcess;

  constructor(private readonly dir: string, readonly clientPort: number, private readonly peerPort: number, private readonly runAs: OsUser | undefined) {}

  async start(): Promise<void> {
    const peer = `http://127.0.0.1:${this.peerPort}`;
    const client = `http://127.0.0.1:${this.clientPort}`;
    this.proc = spawnLogged(
      ETCD,
      [
        '--name', 'etcd1',
        '--data-dir', join(this.dir, 'etcd'),
        '--listen-client-urls', client,
        '--advertise-client-urls', client,
        '--listen-peer-urls', peer,
        '--initial-advertise-peer-urls', peer,
        '--initial-cluster', `etcd1=${peer}`,
        '--initial-cluster-state', 'new',
        '--enable-v2=false',
      ],
      join(this.dir, 'etcd.log'),
      this.runAs,
      this.dir,
    );
    const up = await poll(async () => {
      const r = await fetch(`${client}/health`, { signal: AbortSignal.timeout(1000) });
      return ((await r.json()) as { health?: string }).health === 'true' ? true : undefined;
    }, 30_000, 100);
    if (!up) throw new Error(`etcd did not become healthy in 30 s (see ${join(this.dir, 'etcd.log')})`);
  }

  async stop(): Promise<void> {
    await terminate(this.proc, 5000);
  }
}

/** One Patroni agent under a supervisor that restarts it when it dies unexpectedly. */
export class Agent {
  private proc?: ChildProcess;
  private wanted = false;
  restarts = 0;

  constructor(readonly name: string, private readonly config: string, private readonly log: string, private readonly runAs: OsUser | undefined, private readonly home: string) {}

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  start(): void {
    this.wanted = true;
    const proc = spawnLogged(PATRONI, [this.config], this.log, this.runAs, this.home);
    this.proc = proc;
    proc.on('exit', () => {
      if (!this.wanted || this.proc !== proc) return;
      this.restarts++;
      setTimeout(() => this.wanted && this.proc === proc && this.start(), RESTART_DELAY_MS);
    });
  }

  /** SIGTERM makes Patroni stop PostgreSQL first; then the agent is not restarted. */
  async stop(): Promise<void> {
    this.wanted = false;
    await terminate(this.proc, 30_000);
  }
}
