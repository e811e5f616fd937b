// Poolers as local processes: one detached pooler manager (src/pooler/main.ts, which runs and
// supervises a real PgBouncer) per pooler instance, as the cluster's operating-system user. Every
// PgBouncer of a pooler listens on the same port with so_reuseport, so the kernel spreads clients
// over them and the address stays when one is restarted or the pooler is scaled. The port, each
// instance's metrics port and manager pid are recorded in the pooler's folder (root's when root),
// so a restarted daemon adopts running poolers; the handout is a 0600 file in each instance's folder.
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pooler } from '../../api/index.js';
import type { LocalEndpoint } from '../../api/cluster-status.js';
import { isAlive } from '../../instance/postmaster.js';
import { writeFileAtomically } from '../../objectstore/atomic-file.js';
import type { ObservedPoolerInstance, PoolerRuntime } from '../../operator/platform.js';
import type { PoolerHandout } from '../../pgbouncer/handout.js';
import { PoolerManagerClient } from '../../pooler/client.js';
import type { CnpgHome, OsUser } from './home.js';
import type { LocalInstances } from './instances.js';
import { makeOwnedDir, spawnOwnedManager, writeOwnedFile } from './owned-files.js';
import { freePort } from './ports.js';

const POOLER_MAIN = fileURLToPath(new URL('../../pooler/main.js', import.meta.url));
const STOP_TIMEOUT_MS = 10_000;
/** A manager that dies sooner than this after its start is crashing: the next start waits, doubling up to a minute. */
const CRASH_WINDOW_MS = 10_000;
const MAX_BACKOFF_MS = 60_000;

/** How long after its last start a dead manager is started again: at once after a long run, later and later while it keeps crashing. */
export function respawnDelayMs(quickExits: number): number {
  return quickExits === 0 ? 0 : Math.min(1000 * 2 ** (quickExits - 1), MAX_BACKOFF_MS);
}

export interface PoolerInstanceRecord {
  name: string;
  serial: number;
  metricsPort: number;
  managerPid?: number;
  managerStartedAt?: string;
  /** Starts in a row that ended within CRASH_WINDOW_MS. */
  quickExits?: number;
}

/** What the platform remembers of a pooler, in its folder. */
export interface PoolerRecord {
  namespace: string;
  pooler: string;
  cluster: string;
  /** Where every PgBouncer of the pooler listens (so_reuseport). */
  port: number;
  instances: PoolerInstanceRecord[];
}

/** A pooler instance as `cnpg status` shows it. */
export interface PoolerInstanceReport extends ObservedPoolerInstance {
  running: boolean;
  metricsPort: number;
  managerPid?: number;
  pgbouncerPid?: number;
}

const instanceName = (pooler: string, serial: number) => `${pooler}-${serial}`;

export class LocalPoolers implements PoolerRuntime {
  readonly root: string;

  constructor(
    private readonly home: CnpgHome,
    private readonly instances: LocalInstances,
  ) {
    this.root = join(home.root, 'poolers');
  }

  dir(pooler: Pooler): string {
    return join(this.root, pooler.metadata.namespace ?? 'default', pooler.metadata.name);
  }

  private recordFile(pooler: Pooler): string {
    return join(this.dir(pooler), 'pooler.json');
  }

  /** The record, if we wrote one: the folder above the instances is root's, and only root's record is trusted then. */
  readRecord(pooler: Pooler): PoolerRecord | undefined {
    const file = this.recordFile(pooler);
    if (!existsSync(file)) return undefined;
    const st = lstatSync(file);
    if (!st.isFile() || (this.home.asRoot && st.uid !== 0)) return undefined;
    return JSON.parse(readFileSync(file, 'utf8')) as PoolerRecord;
  }

  private async writeRecord(pooler: Pooler, rec: PoolerRecord): Promise<void> {
    await writeFileAtomically(this.recordFile(pooler), JSON.stringify(rec, null, 2) + '\n', { mode: 0o600 });
  }

  private async ensureRecord(pooler: Pooler): Promise<PoolerRecord> {
    const known = this.readRecord(pooler);
    if (known) return known;
    await mkdir(this.dir(pooler), { recursive: true, mode: 0o711 });
    const rec: PoolerRecord = {
      namespace: pooler.metadata.namespace ?? 'default',
      pooler: pooler.metadata.name,
      cluster: pooler.spec.cluster.name,
      port: await freePort(),
      instances: [],
    };
    await this.writeRecord(pooler, rec);
    return rec;
  }

  async address(pooler: Pooler): Promise<LocalEndpoint> {
    return { host: '127.0.0.1', port: (await this.ensureRecord(pooler)).port };
  }

  /** The cluster's user runs its PgBouncers, as it runs its PostgreSQL; none when we are not root. */
  private owner(pooler: Pooler): OsUser | undefined {
    if (!this.home.asRoot) return undefined;
    const ns = pooler.metadata.namespace ?? 'default';
    const user = this.instances.osUserOf(ns, pooler.spec.cluster.name);
    if (!user) throw new Error(`cluster ${ns}/${pooler.spec.cluster.name} has no operating-system user yet; its pooler starts once the cluster's first instance exists`);
    return user;
  }

  private instanceDir(pooler: Pooler, name: string): string {
    return join(this.dir(pooler), name);
  }

  managerRunning(inst: PoolerInstanceRecord): boolean {
    if (!inst.managerPid || !isAlive(inst.managerPid)) return false;
    try {
      return readFileSync(`/proc/${inst.managerPid}/cmdline`, 'utf8').includes(POOLER_MAIN);
    } catch {
      return false;
    }
  }

  async apply(pooler: Pooler, handout: PoolerHandout): Promise<void> {
    const rec = await this.ensureRecord(pooler);
    const owner = this.owner(pooler);
    const wanted = pooler.spec.instances;
    for (let serial = 1; serial <= wanted; serial++) {
      const name = instanceName(pooler.metadata.name, serial);
      let inst = rec.instances.find((i) => i.name === name);
      if (!inst) {
        inst = { name, serial, metricsPort: await freePort() };
        rec.instances.push(inst);
        await this.writeRecord(pooler, rec);
      }
      const dir = this.instanceDir(pooler, name);
      makeOwnedDir(dir, 0o700, owner);
      const file = join(dir, 'handout.json');
      const content = JSON.stringify(handout) + '\n';
      // Rewritten only when it changed: the manager applies a new file with a RELOAD, clients kept.
      if ((await readFile(file, 'utf8').catch(() => undefined)) !== content) writeOwnedFile(file, content, owner, 0o600, { durable: false });
      if (!this.managerRunning(inst) && this.mayStart(inst)) {
        this.spawnManager(dir, rec.port, inst, owner);
        await this.writeRecord(pooler, rec);
      }
    }
    const extra = rec.instances.filter((i) => i.serial > wanted).sort((a, b) => b.serial - a.serial);
    for (const inst of extra) {
      await this.stopManager(inst);
      await rm(this.instanceDir(pooler, inst.name), { recursive: true, force: true });
      rec.instances = rec.instances.filter((i) => i !== inst);
      await this.writeRecord(pooler, rec);
    }
  }

  /** A dead manager is started again, unless it keeps dying right after its start (its log says why). */
  private mayStart(inst: PoolerInstanceRecord): boolean {
    if (!inst.managerStartedAt) return true;
    const since = Date.now() - Date.parse(inst.managerStartedAt);
    const quickExits = since < CRASH_WINDOW_MS + respawnDelayMs(inst.quickExits ?? 0) ? (inst.quickExits ?? 0) + 1 : 0;
    if (since < respawnDelayMs(quickExits)) return false;
    inst.quickExits = quickExits;
    return true;
  }

  private spawnManager(dir: string, port: number, inst: PoolerInstanceRecord, owner: OsUser | undefined): void {
    const args = [
      '--max-old-space-size=64',
      POOLER_MAIN,
      '--handout-file',
      join(dir, 'handout.json'),
      '--run-dir',
      join(dir, 'run'),
      '--port',
      String(port),
      '--reuse-port',
      '--http-port',
      String(inst.metricsPort),
    ];
    inst.managerPid = spawnOwnedManager(args, join(dir, 'pooler.log'), dir, owner);
    inst.managerStartedAt = new Date().toISOString();
  }

  private async stopManager(inst: PoolerInstanceRecord): Promise<void> {
    if (!inst.managerPid || !this.managerRunning(inst)) return;
    const pid = inst.managerPid;
    // The manager stops its PgBouncer on SIGTERM; its process group goes too if it does not in time.
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (isAlive(pid) && Date.now() < deadline) await sleep(50);
    if (isAlive(pid)) process.kill(-pid, 'SIGKILL');
  }


  /** Every recorded instance: one whose manager is gone or silent reports not ready, so the controller applies again. */
  async report(pooler: Pooler): Promise<PoolerInstanceReport[]> {
    const rec = this.readRecord(pooler);
    if (!rec) return [];
    return Promise.all(
      [...rec.instances]
        .sort((a, b) => a.serial - b.serial)
        .map(async (inst) => {
          const running = this.managerRunning(inst);
          const base = { name: inst.name, running, metricsPort: inst.metricsPort, managerPid: running ? inst.managerPid : undefined, ready: false, paused: false };
          if (!running) return base;
          try {
            const s = await new PoolerManagerClient({ host: '127.0.0.1', port: inst.metricsPort }).call('status');
            return { ...base, ready: s.ready, paused: s.paused, appliedHash: s.appliedHash, pgbouncerPid: s.pid, ...(s.error ? { error: s.error } : {}) };
          } catch {
            return base;
          }
        }),
    );
  }

  async observe(pooler: Pooler): Promise<ObservedPoolerInstance[]> {
    return (await this.report(pooler)).map(({ name, ready, appliedHash, paused, error }) => ({ name, ready, paused, ...(appliedHash ? { appliedHash } : {}), ...(error ? { error } : {}) }));
  }

  async remove(pooler: Pooler): Promise<void> {
    for (const inst of this.readRecord(pooler)?.instances ?? []) await this.stopManager(inst);
    await rm(this.dir(pooler), { recursive: true, force: true });
  }
}
