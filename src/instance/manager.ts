// The instance manager: brings its PostgreSQL to the state instance.json describes and keeps it there.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { reconcileSlots, writeConfiguration } from './configure.js';
import { isAcceptingConnections, withConnection } from './db.js';
import { createApplicationDatabase, reconcileBuiltinRoles, reconcileManagedRoles, runInitdb, runStatements } from './initdb.js';
import { cloneFromPrimary, writeReplicationPassfile } from './join.js';
import { log } from './log.js';
import type { InstancePaths } from './paths.js';
import { Postmaster } from './postmaster.js';
import type { Credentials, InstanceSpec } from './spec.js';
import { readPostgresFacts, type InstancePhase, type InstanceStatus } from './status.js';

const READY_WAIT_MS = 60_000;
const MAX_RESTART_BACKOFF_MS = 10_000;

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class InstanceManager {
  spec: InstanceSpec;
  private creds: Credentials;
  private readonly postmaster: Postmaster;
  private phase: InstancePhase = 'starting';
  private lastError?: string;
  private appliedGeneration?: number;
  private appliedRolesHash?: string;
  private stopping = false;
  private reconciling?: Promise<void>;
  private reconcileAgain = false;
  private restartBackoffMs = 500;
  private startedAt = 0;
  private retryTimer?: NodeJS.Timeout;
  private readonly periodic: NodeJS.Timeout;

  constructor(private readonly paths: InstancePaths) {
    this.spec = readJson<InstanceSpec>(paths.spec);
    this.creds = readJson<Credentials>(paths.credentials);
    this.postmaster = new Postmaster(this.spec.binDir, paths.pgdata, paths.postgresLog);
    this.postmaster.on('exit', (code, signal) => this.onPostmasterExit(code, signal));
    this.periodic = setInterval(() => this.requestReconcile(), 10_000);
  }

  get token(): string {
    return this.creds.managerToken;
  }

  private get bootstrapMarker(): string {
    return join(this.paths.root, 'bootstrapped');
  }

  start(): void {
    if (existsSync(this.bootstrapMarker) && this.postmaster.adopt()) {
      log('info', 'adopted running postmaster', { pid: this.postmaster.pid });
      this.startedAt = Date.now();
    }
    this.requestReconcile();
  }

  /** Coalesces requests: at most one reconcile runs, and one more follows if asked meanwhile. */
  requestReconcile(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    if (this.reconciling) {
      this.reconcileAgain = true;
      return this.reconciling;
    }
    this.reconciling = (async () => {
      do {
        this.reconcileAgain = false;
        try {
          await this.reconcile();
          this.lastError = undefined;
        } catch (e) {
          this.lastError = (e as Error).message;
          log('error', 'reconcile failed', { error: this.lastError });
          this.scheduleRetry(2000);
        }
      } while (this.reconcileAgain && !this.stopping);
      this.reconciling = undefined;
    })();
    return this.reconciling;
  }

  private scheduleRetry(ms: number): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.requestReconcile(), ms);
  }

  private onPostmasterExit(code: number | null, signal: string | null): void {
    if (this.stopping || this.phase === 'bootstrapping') return;
    this.phase = 'stopped';
    const uptime = Date.now() - this.startedAt;
    if (uptime > 30_000) this.restartBackoffMs = 500;
    log('warn', 'postmaster exited', { code, signal, restartInMs: this.restartBackoffMs });
    this.scheduleRetry(this.restartBackoffMs);
    this.restartBackoffMs = Math.min(this.restartBackoffMs * 2, MAX_RESTART_BACKOFF_MS);
  }

  private async reconcile(): Promise<void> {
    this.spec = readJson<InstanceSpec>(this.paths.spec);
    this.creds = readJson<Credentials>(this.paths.credentials);
    if (this.spec.role === 'replica') writeReplicationPassfile(this.paths.passfile, this.creds.replicationPassword);
    if (!existsSync(this.bootstrapMarker)) await this.bootstrap();

    const changed = writeConfiguration(this.spec, this.paths);
    if (!this.postmaster.running) {
      await this.startPostgres();
    } else if (changed) {
      log('info', 'configuration changed, reloading');
      this.postmaster.reload();
    }
    if (this.spec.role === 'primary') await this.reconcilePrimaryObjects();
    this.appliedGeneration = this.spec.generation;
  }

  private async bootstrap(): Promise<void> {
    this.phase = 'bootstrapping';
    await this.postmaster.stop(5000);
    // No marker means an earlier attempt died half-way; nothing in it was ever acknowledged.
    rmSync(this.paths.pgdata, { recursive: true, force: true });
    mkdirSync(this.paths.pgdata, { recursive: true, mode: 0o700 });
    const b = this.spec.bootstrap;
    if (b.kind === 'initdb') {
      log('info', 'running initdb', { database: b.database, owner: b.owner });
      await runInitdb(this.spec.binDir, this.paths.pgdata, b);
      writeConfiguration(this.spec, this.paths);
      await this.startPostgres();
      await withConnection(this.socket, 'postgres', async (c) => {
        await reconcileBuiltinRoles(c, b.owner, this.spec.enableSuperuserAccess, this.creds);
        await reconcileManagedRoles(c, this.spec.managedRoles, this.creds);
        await createApplicationDatabase(c, b);
        await runStatements(c, b.postInitSQL);
      });
      await withConnection(this.socket, b.database, (c) => runStatements(c, b.postInitApplicationSQL));
      await withConnection(this.socket, 'template1', (c) => runStatements(c, b.postInitTemplateSQL));
      await withConnection(this.socket, 'postgres', (c) => c.query('CHECKPOINT'));
    } else {
      const primary = this.spec.primary;
      if (!primary) throw new Error('a replica needs spec.primary to clone from');
      log('info', 'cloning from primary', { primary: primary.name });
      writeReplicationPassfile(this.paths.passfile, this.creds.replicationPassword);
      await cloneFromPrimary(this.spec.binDir, this.paths.pgdata, primary, this.spec.slotName, this.paths.passfile);
    }
    writeFileSync(this.bootstrapMarker, new Date().toISOString() + '\n');
    this.phase = this.postmaster.running ? 'running' : 'starting';
    log('info', 'bootstrap complete');
  }

  private get socket() {
    return { socketDir: this.paths.socketDir, port: this.spec.pgPort };
  }

  private async startPostgres(): Promise<void> {
    mkdirSync(this.paths.socketDir, { recursive: true, mode: 0o700 });
    if (this.phase !== 'bootstrapping') this.phase = 'starting';
    this.postmaster.start();
    this.startedAt = Date.now();
    const deadline = Date.now() + READY_WAIT_MS;
    while (Date.now() < deadline) {
      if (!this.postmaster.running) throw new Error(`postgres exited during start; see ${this.paths.postgresLog}`);
      if (await isAcceptingConnections(this.socket)) {
        if (this.phase !== 'bootstrapping') this.phase = 'running';
        log('info', 'postgres is accepting connections', { pid: this.postmaster.pid });
        return;
      }
      await sleep(100);
    }
    throw new Error(`postgres did not accept connections within ${READY_WAIT_MS / 1000}s`);
  }

  private async reconcilePrimaryObjects(): Promise<void> {
    await withConnection(this.socket, 'postgres', async (c) => {
      if ((await c.query('SELECT pg_is_in_recovery() AS r')).rows[0].r) return;
      await reconcileSlots(c, this.spec.replicationSlots);
      // Role DDL writes WAL, so run it only when what it depends on has changed.
      const hash = createHash('sha256')
        .update(JSON.stringify([this.spec.managedRoles, this.spec.enableSuperuserAccess, this.creds.app, this.creds.superuserPassword, this.creds.replicationPassword, this.creds.rolePasswords]))
        .digest('hex');
      if (hash === this.appliedRolesHash) return;
      const owner = this.spec.bootstrap.kind === 'initdb' ? this.spec.bootstrap.owner : this.creds.app?.username;
      await reconcileBuiltinRoles(c, owner, this.spec.enableSuperuserAccess, this.creds);
      await reconcileManagedRoles(c, this.spec.managedRoles, this.creds);
      this.appliedRolesHash = hash;
    });
  }

  async restartPostgres(): Promise<void> {
    this.stopping = true;
    try {
      await this.postmaster.stop();
    } finally {
      this.stopping = false;
    }
    await this.requestReconcile();
  }

  async status(): Promise<InstanceStatus> {
    const base: InstanceStatus = {
      name: this.spec.name,
      managerPid: process.pid,
      postmasterPid: this.postmaster.pid,
      phase: this.phase,
      postgresRunning: this.postmaster.running,
      ready: false,
      pendingRestart: false,
      appliedGeneration: this.appliedGeneration,
      port: this.spec.pgPort,
      pgdata: this.paths.pgdata,
      replicationInfo: [],
      lastError: this.lastError,
    };
    if (!this.postmaster.running || this.phase === 'bootstrapping') return base;
    try {
      const facts = await withConnection(this.socket, 'postgres', readPostgresFacts, 1000);
      const roleMatches = facts.isPrimary === (this.spec.role === 'primary');
      return { ...base, ...facts, ready: this.phase === 'running' && roleMatches };
    } catch (e) {
      return { ...base, lastError: (e as Error).message };
    }
  }

  async shutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.periodic);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.reconciling?.catch(() => undefined);
    await this.postmaster.stop();
    this.postmaster.dispose();
    this.phase = 'stopped';
  }
}
