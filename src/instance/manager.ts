// The instance manager: brings its PostgreSQL to the state instance.json describes and keeps it there.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicallySync } from '../objectstore/atomic-file.js';
import { compareLsn } from '../postgres/lsn.js';
import { hotStandbyFloor, reconcileSlots, writeConfiguration } from './configure.js';
import { isAcceptingConnections, withConnection } from './db.js';
import {
  appliedRolesHash,
  createApplicationDatabase,
  grantRewindFunctions,
  reconcileBuiltinRoles,
  reconcileManagedRoles,
  recordRolesHash,
  runInitdb,
  runStatements,
} from './initdb.js';
import { ArchiveService } from './archive-service.js';
import type { BackupReport, BackupRequest } from './base-backup.js';
import { ISOLATION_CHECK_MS, ISOLATION_STOP_MS, hasContact } from './isolation.js';
import { cloneFromPrimary, writeReplicationPassfile } from './join.js';
import { log } from './log.js';
import type { InstancePaths } from './paths.js';
import { Postmaster } from './postmaster.js';
import { ensurePrivateDir } from './private-dir.js';
import { lastFatal, refuseUsedArchive, requestArchiveRecovery, recoverySettings, restoreBaseBackup, startWalRestorer } from './recovery.js';
import { rewindFromPrimary } from './rewind.js';
import { runTool } from './run.js';
import type { Credentials, InstanceSpec, RecoveryBootstrap } from './spec.js';
import { readPostgresFacts, type InstancePhase, type InstanceStatus } from './status.js';
import { setTimeout as sleep } from 'node:timers/promises';

const READY_WAIT_MS = 60_000;
const MAX_RESTART_BACKOFF_MS = 10_000;
const MAX_RETRY_MS = 30_000;
/** A crashed primary waits this long before restarting itself, leaving the operator time to fail over. */
export const PRIMARY_RESTART_GRACE_MS = 3000;

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** A request the manager will not carry out in its present state; the reason says why. */
export class RefusedError extends Error {}

export interface ManagerEvent {
  type: 'postmaster-exit' | 'postmaster-start' | 'phase';
  phase: InstancePhase;
  at: string;
}

export class InstanceManager extends EventEmitter<{ event: [ManagerEvent] }> {
  spec: InstanceSpec;
  private creds: Credentials;
  private readonly postmaster: Postmaster;
  private phaseValue: InstancePhase = 'starting';
  private lastError?: string;
  private appliedGeneration?: number;
  private stopping = false;
  private reconciling?: Promise<void>;
  private reconcileAgain = false;
  private restartBackoffMs = 500;
  private startedAt = 0;
  private retryTimer?: NodeJS.Timeout;
  private readonly periodic: NodeJS.Timeout;
  private readonly isolationTimer: NodeJS.Timeout;
  /** Set by the operator (or by self-protection) to keep PostgreSQL down until the spec changes. */
  private isolatedAtGeneration?: number;
  private lastContact = Date.now();
  private lastIsolationTick = Date.now();
  private probing = false;
  private isolationReason?: string;
  private readonly archive: ArchiveService;
  private failedReconciles = 0;
  private recovery?: NonNullable<InstanceStatus['recovery']>;
  private recoveryRestorer?: { restored: number; lastError?: string };
  /** The restart request current when the postmaster last started (a running one counts as started for the spec it finds). */
  private startedForRestart?: string;
  private appliedReload?: string;

  /** `overrides` are facts of where the manager runs (a Pod's IP) that win over any spec. */
  constructor(
    private readonly paths: InstancePaths,
    private readonly overrides: Partial<InstanceSpec> = {},
  ) {
    super();
    this.setMaxListeners(0);
    this.spec = this.readSpec();
    this.startedForRestart = this.spec.restartRequest;
    this.appliedReload = this.spec.reloadRequest;
    this.creds = readJson<Credentials>(paths.credentials);
    this.postmaster = new Postmaster(this.spec.binDir, paths.pgdata, paths.postgresLog);
    this.postmaster.on('exit', (code, signal) => this.onPostmasterExit(code, signal));
    // A reload wakes PostgreSQL's archiver, which otherwise sleeps up to a minute after failures.
    this.archive = new ArchiveService(paths, () => this.socket, () => this.postmaster.reload());
    this.periodic = setInterval(() => void this.requestReconcile(), 10_000);
    this.isolationTimer = setInterval(() => void this.checkIsolation(), ISOLATION_CHECK_MS);
  }

  get token(): string {
    return this.creds.managerToken;
  }

  private get phase(): InstancePhase {
    return this.phaseValue;
  }

  private set phase(p: InstancePhase) {
    if (p === this.phaseValue) return;
    this.phaseValue = p;
    this.emitEvent('phase');
  }

  private emitEvent(type: ManagerEvent['type']): void {
    this.emit('event', { type, phase: this.phaseValue, at: new Date().toISOString() });
  }

  private get bootstrapMarker(): string {
    return join(this.paths.root, 'bootstrapped');
  }

  private get isolated(): boolean {
    return this.isolatedAtGeneration !== undefined && this.isolatedAtGeneration === this.spec.generation;
  }

  start(): void {
    // A postmaster that outlived the previous manager keeps serving, untouched. One left by a
    // bootstrap that never finished is adopted too, so that the bootstrap's first step stops it.
    if (this.postmaster.adopt()) {
      log('info', 'adopted running postmaster', { pid: this.postmaster.pid });
      this.startedAt = Date.now();
      // Readiness is still judged by connecting to it, as for one this manager started.
      if (existsSync(this.bootstrapMarker)) this.phase = 'running';
    }
    void this.requestReconcile();
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
          this.failedReconciles = 0;
        } catch (e) {
          this.lastError = (e as Error).message;
          log('error', 'reconcile failed', { error: this.lastError });
          // A bootstrap that fails (a recovery target beyond the archive, say) is not retried in a tight loop.
          this.scheduleRetry(Math.min(1000 * 2 ** this.failedReconciles++, MAX_RETRY_MS));
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
    this.emitEvent('postmaster-exit');
    if (this.stopping || this.phase === 'bootstrapping' || this.phase === 'fenced' || this.phase === 'isolated') return;
    this.phase = 'stopped';
    const uptime = Date.now() - this.startedAt;
    if (uptime > 30_000) this.restartBackoffMs = 500;
    const delay = this.spec.role === 'primary' ? Math.max(this.restartBackoffMs, PRIMARY_RESTART_GRACE_MS) : this.restartBackoffMs;
    log('warn', 'postmaster exited', { code, signal, restartInMs: delay });
    this.scheduleRetry(delay);
    this.restartBackoffMs = Math.min(this.restartBackoffMs * 2, MAX_RESTART_BACKOFF_MS);
  }

  private async inRecovery(): Promise<boolean> {
    return withConnection(this.socket, 'postgres', async (c) => (await c.query('SELECT pg_is_in_recovery() AS r')).rows[0].r as boolean, 1000);
  }

  private readSpec(): InstanceSpec {
    return { ...readJson<InstanceSpec>(this.paths.spec), ...this.overrides };
  }

  private async reconcile(): Promise<void> {
    this.spec = this.readSpec();
    this.creds = readJson<Credentials>(this.paths.credentials);
    if (this.spec.role === 'replica') {
      writeReplicationPassfile(this.paths.passfile, this.creds.replicationPassword);
      // The empty-archive check guards a new cluster's first WAL. Once this instance follows
      // another, that one may archive first, and the store holds this cluster's own WAL.
      rmSync(this.paths.emptyArchiveCheck, { force: true });
    }
    await this.archive.reconcile(this.spec, this.creds, this.spec.role === 'primary');
    if (!existsSync(this.bootstrapMarker)) await this.bootstrap();

    if (this.spec.fenced || this.isolated) {
      this.phase = this.spec.fenced ? 'fenced' : 'isolated';
      await this.postmaster.stop(5000);
      this.appliedGeneration = this.spec.generation;
      return;
    }
    if (this.phase === 'fenced' || this.phase === 'isolated') this.phase = 'starting';
    // A standby told to become primary changes only through promote(), which waits for its WAL first.
    if (this.spec.role === 'primary' && this.postmaster.running && this.phase === 'running' && (await this.inRecovery())) {
      this.appliedGeneration = this.spec.generation;
      return;
    }
    if (this.spec.role === 'replica' && !existsSync(join(this.paths.pgdata, 'standby.signal'))) await this.rejoinAsStandby();

    const changed = await this.writeInstanceConfiguration();
    const reloadAsked = this.spec.reloadRequest !== this.appliedReload;
    this.appliedReload = this.spec.reloadRequest;
    if (!this.postmaster.running) {
      await this.startPostgres();
    } else if (changed || reloadAsked) {
      log('info', changed ? 'configuration changed, reloading' : 'reload requested, reloading');
      this.postmaster.reload();
    }
    if (this.spec.role === 'primary') await this.reconcilePrimaryObjects();
    this.appliedGeneration = this.spec.generation;
  }

  /** This data was a primary's: stop it, rewind it onto the new primary, or clone afresh if it cannot be. */
  private async rejoinAsStandby(): Promise<void> {
    const primary = this.spec.primary;
    if (!primary) throw new Error('a replica needs spec.primary to follow');
    this.phase = 'rejoining';
    await this.postmaster.stop(30_000);
    const { outcome, output } = await rewindFromPrimary(this.spec.binDir, this.paths.pgdata, primary, this.paths.passfile);
    log('info', 'pg_rewind', { outcome, output: output.trim().split('\n').slice(-3).join(' | ') });
    if (outcome === 'retry-later') throw new Error(`waiting for the new primary ${primary.name} before rewinding: ${output.trim().split('\n').pop()}`);
    if (outcome === 'needs-reclone') {
      log('warn', 'pg_rewind cannot bring this data onto the new timeline; cloning afresh', { primary: primary.name });
      rmSync(this.bootstrapMarker, { force: true });
      await this.bootstrap();
    }
  }

  /**
   * A standby never runs a hot-standby-sensitive setting below its primary's: a lowered one waits
   * until the standby has replayed the primary's restart with it (the periodic reconcile writes it
   * then, and the pending restart follows).
   */
  private async writeInstanceConfiguration(): Promise<boolean> {
    const floor = this.spec.role === 'replica' ? await hotStandbyFloor(this.spec, this.paths) : undefined;
    return writeConfiguration(this.spec, this.paths, this.creds.tls, floor);
  }

  private async bootstrap(): Promise<void> {
    this.phase = 'bootstrapping';
    await this.postmaster.stop(5000);
    // No marker means an earlier attempt died half-way; nothing in it was ever acknowledged.
    rmSync(this.paths.pgdata, { recursive: true, force: true });
    mkdirSync(this.paths.pgdata, { recursive: true, mode: 0o700 });
    const b = this.spec.role === 'primary' ? this.spec.bootstrap : { kind: 'join' as const };
    // A new primary's WAL must not land on top of another cluster's archive.
    if (b.kind !== 'join') writeFileSync(this.paths.emptyArchiveCheck, '');
    if (b.kind === 'recovery') {
      await this.recover(b);
    } else if (b.kind === 'initdb') {
      log('info', 'running initdb', { database: b.database, owner: b.owner });
      await runInitdb(this.spec.binDir, this.paths.pgdata, b);
      writeConfiguration(this.spec, this.paths, this.creds.tls);
      await this.startPostgres();
      await withConnection(this.socket, 'postgres', async (c) => {
        await reconcileBuiltinRoles(c, b.owner, this.spec.enableSuperuserAccess, this.creds);
        await grantRewindFunctions(c);
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
      // standby.signal marks the data as a standby's, before anything could start it as a primary.
      await this.writeInstanceConfiguration();
    }
    writeFileSync(this.bootstrapMarker, new Date().toISOString() + '\n');
    this.phase = this.postmaster.running ? 'running' : 'starting';
    log('info', 'bootstrap complete');
  }

  private async recover(b: RecoveryBootstrap): Promise<void> {
    await refuseUsedArchive(this.spec, this.creds);
    const backup = await restoreBaseBackup(b, this.creds, this.paths.pgdata);
    this.recovery = { backupId: backup.backupId, restoredWalFiles: 0 };
    const restorer = startWalRestorer(b, this.creds, this.paths, backup);
    this.recoveryRestorer = restorer;
    try {
      writeConfiguration(this.spec, this.paths, this.creds.tls, await recoverySettings(this.spec, b, this.paths));
      requestArchiveRecovery(this.paths.pgdata);
      await this.replayUntilPromoted();
    } finally {
      await restorer.stop();
      this.recoveryRestorer = undefined;
    }
    log('info', 'recovery complete: promoted onto a new timeline', { backupId: backup.backupId, restoredWalFiles: restorer.restored });
    writeConfiguration(this.spec, this.paths, this.creds.tls);
    // Replay ran with the source's values where the Cluster's hot-standby-sensitive settings are
    // lower, and only a restart lowers them: done now, while nothing is connected and before any
    // replica is cloned from this data.
    await this.postmaster.stop();
    await this.startPostgres();
    await withConnection(this.socket, 'postgres', async (c) => {
      await reconcileBuiltinRoles(c, b.owner, this.spec.enableSuperuserAccess, this.creds);
      await grantRewindFunctions(c);
      await reconcileManagedRoles(c, this.spec.managedRoles, this.creds);
      await createApplicationDatabase(c, b);
      await c.query('CHECKPOINT');
    });
    this.recovery = undefined;
  }

  /** Archive recovery has no deadline: a large restore takes as long as it takes. */
  private async replayUntilPromoted(): Promise<void> {
    ensurePrivateDir(this.paths.socketDir);
    this.postmaster.start();
    this.emitEvent('postmaster-start');
    this.startedAt = Date.now();
    for (;;) {
      if (!this.postmaster.running) {
        throw new Error(`PostgreSQL stopped during recovery: ${lastFatal(this.paths.postgresLog) ?? `see ${this.paths.postgresLog}`}`);
      }
      if (await this.inRecovery().then((r) => !r, () => false)) return;
      await sleep(200);
    }
  }

  private get socket() {
    return { socketDir: this.paths.socketDir, port: this.spec.pgPort };
  }

  private async startPostgres(): Promise<void> {
    ensurePrivateDir(this.paths.socketDir);
    const bootstrapping = this.phase === 'bootstrapping';
    if (!bootstrapping) this.phase = 'starting';
    this.startedForRestart = this.spec.restartRequest;
    this.postmaster.start();
    this.emitEvent('postmaster-start');
    this.startedAt = Date.now();
    const deadline = Date.now() + READY_WAIT_MS;
    while (Date.now() < deadline) {
      if (!this.postmaster.running) {
        this.phase = 'failed';
        throw new Error(`postgres exited during start; see ${this.paths.postgresLog}`);
      }
      if (await isAcceptingConnections(this.socket)) {
        if (!bootstrapping) this.phase = 'running';
        log('info', 'postgres is accepting connections', { pid: this.postmaster.pid });
        return;
      }
      await sleep(50);
    }
    this.phase = 'failed';
    throw new Error(`postgres did not accept connections within ${READY_WAIT_MS / 1000}s`);
  }

  private async reconcilePrimaryObjects(): Promise<void> {
    await withConnection(this.socket, 'postgres', async (c) => {
      if ((await c.query('SELECT pg_is_in_recovery() AS r')).rows[0].r) return;
      // Operator bookkeeping must never wait for a synchronous standby that is not there (yet):
      // it is idempotent and re-applied if lost, unlike the users' commits.
      await c.query("SET synchronous_commit TO 'local'");
      await reconcileSlots(c, this.spec.replicationSlots);
      // Role DDL writes WAL, so run it only when what it depends on has changed. The hash lives in
      // the database, so a promoted standby knows what its old primary already applied.
      const hash = createHash('sha256')
        .update(JSON.stringify([this.spec.managedRoles, this.spec.enableSuperuserAccess, this.creds.app, this.creds.superuserPassword, this.creds.replicationPassword, this.creds.rolePasswords]))
        .digest('hex');
      if (hash === (await appliedRolesHash(c))) return;
      const owner = this.spec.bootstrap.kind === 'join' ? this.creds.app?.username : this.spec.bootstrap.owner;
      await reconcileBuiltinRoles(c, owner, this.spec.enableSuperuserAccess, this.creds);
      await grantRewindFunctions(c);
      await reconcileManagedRoles(c, this.spec.managedRoles, this.creds);
      await recordRolesHash(c, hash);
    });
  }

  /**
   * A new spec pushed by the operator (Kubernetes), kept on the data volume so a restarted Pod
   * starts from it; an older generation than the one applied is ignored.
   */
  async replaceSpec(spec: InstanceSpec, creds: Credentials): Promise<void> {
    if (spec.generation < this.spec.generation) return;
    writeFileAtomicallySync(this.paths.spec, JSON.stringify(spec, null, 2) + '\n', { mode: 0o600 });
    writeFileAtomicallySync(this.paths.credentials, JSON.stringify(creds) + '\n', { mode: 0o600 });
    await this.requestReconcile();
  }

  startBackup(req: BackupRequest): BackupReport {
    if (!this.postmaster.running || this.phase !== 'running') throw new Error(`cannot back up: PostgreSQL is ${this.phase}`);
    return this.archive.startBackup(req);
  }

  backupReport(name: string): BackupReport | undefined {
    return this.archive.backupReport(name);
  }

  refreshCatalog(): Promise<void> {
    return this.archive.refreshCatalog();
  }

  reloadPostgres(): void {
    this.postmaster.reload();
  }

  async restartPostgres(): Promise<void> {
    // A restart would start PostgreSQL only to have the next reconcile stop it again.
    if (this.spec.fenced) throw new RefusedError(`${this.spec.name} is fenced; lift the fencing (cnpg fencing off) to start it`);
    if (this.isolated) throw new RefusedError(`${this.spec.name} is isolated (${this.isolationReason ?? 'by the operator'}); it starts again once the operator confirms that no other instance replaced it`);
    this.phase = 'restarting';
    this.stopping = true;
    try {
      await this.postmaster.stop();
    } finally {
      this.stopping = false;
    }
    await this.requestReconcile();
  }

  /**
   * Promotes this standby once it has received WAL up to `minLsn` (a switchover passes the old
   * primary's shutdown checkpoint, so nothing acknowledged is left behind).
   */
  async promote(minLsn: string | undefined, timeoutMs = 30_000): Promise<InstanceStatus> {
    await this.reconciling;
    if (minLsn) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const received = await withConnection(this.socket, 'postgres', async (c) => (await c.query('SELECT pg_last_wal_receive_lsn()::text AS l')).rows[0].l as string | null);
        if (received && compareLsn(received, minLsn) >= 0) break;
        if (Date.now() > deadline) throw new Error(`standby received WAL only up to ${received ?? 'nothing'}, needed ${minLsn}`);
        await sleep(20);
      }
    }
    await withConnection(this.socket, 'postgres', async (c) => {
      if ((await c.query('SELECT pg_is_in_recovery() AS r')).rows[0].r) await c.query('SELECT pg_promote(true, 60)');
    });
    log('info', 'promoted to primary');
    // Configuration, slots and roles follow in the background: writes are possible from here on.
    void this.requestReconcile();
    // pg_rewind of the old primary needs the new timeline in this server's control file.
    void withConnection(this.socket, 'postgres', (c) => c.query('CHECKPOINT'), 60_000).catch(() => undefined);
    return this.status();
  }

  /** Clean demotion for a switchover: checkpoint, stop, and report where this primary's WAL ends. */
  async demote(): Promise<{ lsn: string }> {
    await withConnection(this.socket, 'postgres', (c) => c.query('CHECKPOINT')).catch(() => undefined);
    this.stopping = true;
    try {
      await this.postmaster.stop(30_000);
    } finally {
      this.stopping = false;
    }
    this.phase = 'stopped';
    const lsn = await controlDataCheckpoint(this.spec.binDir, this.paths.pgdata);
    log('info', 'demoted', { lsn });
    void this.requestReconcile();
    return { lsn };
  }

  /** Stop accepting writes now; PostgreSQL stays down until the operator writes a new spec. */
  async isolate(reason: string): Promise<void> {
    this.isolatedAtGeneration = this.spec.generation;
    this.isolationReason = reason;
    this.phase = 'isolated';
    log('warn', 'isolating: PostgreSQL stopped', { reason });
    await this.postmaster.stop(ISOLATION_STOP_MS);
  }

  private async checkIsolation(): Promise<void> {
    const tick = Date.now();
    // Ticks far apart mean this process itself was stopped or starved: the silence measured
    // across the gap is ours, not the world's, so ask before judging.
    const stalled = tick - this.lastIsolationTick > 3 * ISOLATION_CHECK_MS;
    this.lastIsolationTick = tick;
    if (this.spec.role !== 'primary' || !this.postmaster.running || this.stopping || this.isolated) {
      this.lastContact = Date.now();
      return;
    }
    if (stalled && !this.probing && Date.now() - this.lastContact > this.spec.isolationTimeoutMs) await this.probeContact();
    // Judged on every tick before probing, so a probe that hangs (an unreachable peer takes the
    // whole probe timeout) cannot push the stop past isolation timeout + one check.
    if (Date.now() - this.lastContact > this.spec.isolationTimeoutMs) {
      await this.isolate(`no contact with the control plane or any peer for ${Math.round((Date.now() - this.lastContact) / 1000)}s`);
      return;
    }
    // One probe at a time: hung probes must not pile up, one per tick.
    if (!this.probing) await this.probeContact();
  }

  private async probeContact(): Promise<void> {
    this.probing = true;
    // An answer proves contact only from when the probe was sent.
    const sentAt = Date.now();
    try {
      if (await hasContact(this.spec)) this.lastContact = Math.max(this.lastContact, sentAt);
    } finally {
      this.probing = false;
    }
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
      fenced: this.spec.fenced,
      isolationReason: this.isolated ? this.isolationReason : undefined,
      appliedGeneration: this.appliedGeneration,
      port: this.spec.pgPort,
      pgdata: this.paths.pgdata,
      replicationInfo: [],
      lastError: this.lastError,
    };
    if (this.recovery) base.recovery = { ...this.recovery, restoredWalFiles: this.recoveryRestorer?.restored ?? 0, lastError: this.recoveryRestorer?.lastError };
    Object.assign(base, this.archive.status());
    if (!this.postmaster.running || this.phase === 'bootstrapping') return base;
    try {
      const facts = await withConnection(this.socket, 'postgres', readPostgresFacts, 1000);
      const roleMatches = facts.isPrimary === (this.spec.role === 'primary');
      const restartAsked = this.spec.restartRequest !== undefined && this.spec.restartRequest !== this.startedForRestart;
      return { ...base, ...facts, pendingRestart: facts.pendingRestart || restartAsked, ready: this.phase === 'running' && roleMatches };
    } catch (e) {
      return { ...base, lastError: (e as Error).message };
    }
  }

  async shutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.periodic);
    clearInterval(this.isolationTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.reconciling?.catch(() => undefined);
    await this.archive.stop();
    await this.postmaster.stop();
    this.postmaster.dispose();
    this.phase = 'stopped';
  }
}

async function controlDataCheckpoint(binDir: string, pgdata: string): Promise<string> {
  const out = await runTool(join(binDir, 'pg_controldata'), [pgdata], { ...process.env, LC_ALL: 'C' });
  const m = /Latest checkpoint location:\s+([0-9A-F]+\/[0-9A-F]+)/.exec(out);
  if (!m?.[1]) throw new Error('pg_controldata did not report the latest checkpoint location');
  return m[1];
}
