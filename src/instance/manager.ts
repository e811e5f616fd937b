// The instance manager: brings its PostgreSQL to the state instance.json describes and keeps it
// there. The reconcile loop and the manager's state live here; each verb has its own module:
// bootstrap.ts, promote.ts, demote.ts, self-isolation.ts, status.ts.
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileAtomicallySync } from '../objectstore/atomic-file.js';
import { checkpoint, commitLocally, isInRecovery } from '../postgres/queries.js';
import { reconcileSlots } from '../postgres/slots.js';
import { ArchiveService } from './archive-service.js';
import type { BackupReport, BackupRequest } from './base-backup.js';
import { bootstrap, forgetBootstrap, isBootstrapped, type RecoveryProgress } from './bootstrap.js';
import { writeInstanceConfiguration } from './configure.js';
import { isAcceptingConnections, withConnection, type SocketTarget } from './db.js';
import { RefusedError } from './refused.js';
import { applyDatabaseActions, observeDatabase } from './databases.js';
import type { ActionResult, ObserveDatabaseRequest } from './database-requests.js';
import type { DatabaseAction, ObservedDatabase } from '../postgres/database-sql.js';
import { demotePrimary } from './demote.js';
import { designatedSource, reconcileReplicaCluster, readDemotionToken, writeSourceConnection, type PromotionState, type DesignatedHost } from './designated-primary.js';
import { ISOLATION_STOP_MS } from './isolation.js';
import { writeReplicationPassfile } from './join.js';
import { log, setLogLevel } from './log.js';
import { ensureMetricsExporterRole } from './metrics-exporter.js';
import { ManagedExtensions } from './managed-extensions.js';
import type { InstancePaths } from './paths.js';
import { Postmaster } from './postmaster.js';
import { readControlData } from './run.js';
import { ensurePrivateDir } from './private-dir.js';
import { InstanceLease } from './instance-lease.js';
import { checkpointInBackground, promoteStandby } from './promote.js';
import { rewindFromPrimary } from './rewind.js';
import { DEFAULT_TIMINGS, shutdownSteps, switchoverShutdownSteps } from './shutdown.js';
import { appliedRolesHash, recordRolesHash, rolesHash, setUpBuiltinRoles } from './roles.js';
import { ManagedRoleSync } from './managed-roles.js';
import { reconcilePoolerAuth } from './pooler-auth.js';
import { applyLogicalReplication, type LogicalReplicationRequest } from './logical-replication.js';
import { IsolationWatch } from './self-isolation.js';
import { SourceWal } from './source-wal.js';
import { SnapshotBackupSession } from './snapshot-backup.js';
import { StorageKeeper } from './storage-keeper.js';
import type { Credentials, InstanceSpec } from './spec.js';
import { exitIsCrash, reconcileAllowed, reportedPhase, type ManagerState } from './state.js';
import { environmentKey, instanceStatus, type InstancePhase, type InstanceStatus } from './status.js';
import { WalReceiverWatch } from './wal-receiver-watch.js';
import { postgresEnvironment } from './extension-environment.js';

const READY_WAIT_MS = 60_000;
const MAX_RESTART_BACKOFF_MS = 10_000;
const MAX_RETRY_MS = 30_000;
/** A crashed primary waits this long before restarting itself, leaving the operator time to fail over. */
export const PRIMARY_RESTART_GRACE_MS = 3000;
/** A manager going away lets its lease go for at most this long: past it, the lease expires by itself. */
const LEASE_RELEASE_ON_EXIT_MS = 5000;

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export { RefusedError };

export interface ManagerEvent {
  type: 'postmaster-exit' | 'postmaster-start' | 'phase';
  phase: InstancePhase;
  at: string;
}

export class InstanceManager extends EventEmitter<{ event: [ManagerEvent] }> {
  spec: InstanceSpec;
  private creds: Credentials;
  private readonly postmaster: Postmaster;
  private stateValue: ManagerState = 'starting';
  private lastError?: string;
  private appliedGeneration?: number;
  private reconciling?: Promise<void>;
  private reconcileAgain = false;
  private restartBackoffMs = 500;
  private readonly managedExtensions = new ManagedExtensions();
  private startedAt = 0;
  private retryTimer?: NodeJS.Timeout;
  private readonly periodic: NodeJS.Timeout;
  private readonly isolationWatch: IsolationWatch;
  /** Set by the operator (or by self-protection) to keep PostgreSQL down until the spec changes. */
  private isolatedAtGeneration?: number;
  private isolationReason?: string;
  private readonly archive: ArchiveService;
  /** Backup mode held for a volume snapshot (instance/snapshot-backup.ts). */
  readonly snapshotBackup: SnapshotBackupSession;
  private readonly managedRoles = new ManagedRoleSync();
  private failedReconciles = 0;
  private recovery?: RecoveryProgress;
  /** The restart request current when the postmaster last started (a running one counts as started for the spec it finds). */
  private startedForRestart?: string;
  /** environmentKey of the spec.env PostgreSQL was started with; unknown for an adopted postmaster. */
  private startedWithEnv?: string;
  private appliedReload?: string;
  private shuttingDown?: Promise<void>;
  /** A replica cluster's primary: the source's archived WAL, and a promotion waiting for its token. */
  private readonly sourceWal: SourceWal;
  private replicaPromotion?: PromotionState;
  private readonly storage: StorageKeeper;
  private readonly lease: InstanceLease;
  private readonly walReceiver = new WalReceiverWatch();

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
    this.postmaster = new Postmaster(this.spec.binDir, paths.pgdata, paths.postgresLog, () => postgresEnvironment(this.spec, process.env));
    setLogLevel(this.spec.logLevel);
    this.postmaster.on('exit', (code, signal) => this.onPostmasterExit(code, signal));
    // A reload wakes PostgreSQL's archiver, which otherwise sleeps up to a minute after failures.
    this.archive = new ArchiveService(paths, () => this.socket, () => this.postmaster.reload());
    this.snapshotBackup = new SnapshotBackupSession(() => this.socket);
    this.sourceWal = new SourceWal(paths);
    this.storage = new StorageKeeper(paths.pgdata);
    this.lease = new InstanceLease(() => this.spec, (holder) => void this.isolate(`the primary lease is held by ${holder}`));
    this.periodic = setInterval(() => void this.requestReconcile(), 10_000);
    this.isolationWatch = new IsolationWatch({
      spec: () => this.spec,
      guarded: () => this.spec.role === 'primary' && this.postmaster.running && reconcileAllowed(this.state) && !this.isolated,
      isolate: (reason) => this.isolate(reason),
    });
  }

  get token(): string {
    return this.creds.managerToken;
  }

  private get state(): ManagerState {
    return this.stateValue;
  }

  /**
   * A transition of the reconcile loop (or of a crash). While a verb holds the manager (a restart or
   * a demotion stopping PostgreSQL, the shutdown) it is ignored: only that verb leaves its state.
   */
  private set state(next: ManagerState) {
    if (reconcileAllowed(this.stateValue)) this.enter(next);
  }

  /** For restart, demote and shutdown: the state they enter holds off every other transition. */
  private hold(next: 'stopping-for-restart' | 'demoting' | 'shutting-down'): void {
    if (this.stateValue === 'shutting-down') throw new RefusedError(`${this.spec.name}'s manager is shutting down`);
    this.enter(next);
  }

  /** The verb that held the manager lets go, unless something that outranks it (the shutdown) took over meanwhile. */
  private release(held: 'stopping-for-restart' | 'demoting', next: ManagerState): void {
    if (this.stateValue === held) this.enter(next);
  }

  private enter(next: ManagerState): void {
    const before = reportedPhase(this.stateValue);
    this.stateValue = next;
    if (reportedPhase(next) !== before) this.emitEvent('phase');
  }

  private emitEvent(type: ManagerEvent['type']): void {
    this.emit('event', { type, phase: reportedPhase(this.state), at: new Date().toISOString() });
  }

  private get isolated(): boolean {
    return this.isolatedAtGeneration !== undefined && this.isolatedAtGeneration === this.spec.generation;
  }

  private get socket(): SocketTarget {
    return { socketDir: this.paths.socketDir, port: this.spec.pgPort };
  }

  start(): void {
    // A postmaster that outlived the previous manager keeps serving, untouched. One left by a
    // bootstrap that never finished is adopted too, so that the bootstrap's first step stops it.
    if (this.postmaster.adopt()) {
      log('info', 'adopted running postmaster', { pid: this.postmaster.pid });
      this.startedAt = Date.now();
      // Readiness is still judged by connecting to it, as for one this manager started.
      if (isBootstrapped(this.paths)) this.state = 'running';
    }
    void this.requestReconcile();
  }

  /** Coalesces requests: at most one reconcile runs, and one more follows if asked meanwhile. */
  requestReconcile(): Promise<void> {
    if (!reconcileAllowed(this.state)) return Promise.resolve();
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
      } while (this.reconcileAgain && reconcileAllowed(this.state));
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
    if (!exitIsCrash(this.state)) return;
    this.state = 'stopped';
    const uptime = Date.now() - this.startedAt;
    if (uptime > 30_000) this.restartBackoffMs = 500;
    const delay = this.spec.role === 'primary' ? Math.max(this.restartBackoffMs, PRIMARY_RESTART_GRACE_MS) : this.restartBackoffMs;
    log('warn', 'postmaster exited', { code, signal, restartInMs: delay });
    this.scheduleRetry(delay);
    this.restartBackoffMs = Math.min(this.restartBackoffMs * 2, MAX_RESTART_BACKOFF_MS);
  }

  private readSpec(): InstanceSpec {
    return { ...readJson<InstanceSpec>(this.paths.spec), ...this.overrides };
  }

  private async reconcile(): Promise<void> {
    this.spec = this.readSpec();
    setLogLevel(this.spec.logLevel);
    log('debug', 'reconciling', { generation: this.spec.generation, role: this.spec.role });
    this.creds = readJson<Credentials>(this.paths.credentials);
    this.storage.beforeReconcile(this.spec);
    if (this.spec.role === 'replica') {
      writeReplicationPassfile(this.paths.passfile, this.creds.replicationPassword);
      // The empty-archive check guards a new cluster's first WAL. Once this instance follows
      // another, that one may archive first, and the store holds this cluster's own WAL.
      rmSync(this.paths.emptyArchiveCheck, { force: true });
    }
    await this.archive.reconcile(this.spec, this.creds, this.spec.role === 'primary');
    await this.sourceWal.reconcile(this.spec, this.creds);
    writeSourceConnection(this.spec, this.creds, this.paths);
    this.lease.prepare(this.spec);
    // Nothing runs as this cluster's primary before it holds the lease; fenced, it keeps what it held.
    if (this.spec.role === 'primary' && !designatedSource(this.spec) && !this.spec.fenced && !this.isolated) await this.lease.acquire();
    if (!isBootstrapped(this.paths)) await this.bootstrap();

    if (this.spec.fenced || this.isolated) {
      this.state = this.spec.fenced ? 'fenced' : 'isolated';
      await this.postmaster.stop(5000);
      this.appliedGeneration = this.spec.generation;
      return;
    }
    if (this.state === 'fenced' || this.state === 'isolated') this.state = 'starting';
    const mode = this.spec.role === 'primary' && this.spec.replicaCluster ? await reconcileReplicaCluster(this.designatedHost()) : 'primary';
    if (mode === 'hold') {
      this.appliedGeneration = this.spec.generation;
      return;
    }
    if (mode === 'primary') this.replicaPromotion = undefined;
    // A standby told to become primary changes only through promote(), which waits for its WAL first.
    if (mode === 'primary' && this.spec.role === 'primary' && this.postmaster.running && this.state === 'running' && (await withConnection(this.socket, 'postgres', isInRecovery, 1000))) {
      this.appliedGeneration = this.spec.generation;
      return;
    }
    if (this.spec.role === 'replica' && !existsSync(join(this.paths.pgdata, 'standby.signal'))) await this.rejoinAsStandby();

    const changed = await writeInstanceConfiguration(this.spec, this.paths, this.creds);
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

  private designatedHost(): DesignatedHost {
    return {
      spec: this.spec,
      creds: this.creds,
      paths: this.paths,
      postmaster: this.postmaster,
      socket: this.socket,
      stopForDemotion: async () => {
        this.hold('demoting');
        try {
          await demotePrimary(this.socket, this.postmaster, this.spec.binDir, this.paths.pgdata, switchoverShutdownSteps(this.spec.timings ?? DEFAULT_TIMINGS));
          await this.lease.release();
        } finally {
          this.release('demoting', 'stopped');
        }
      },
      startPostgres: () => this.startPostgres(),
      reconcileSoon: (ms) => this.scheduleRetry(ms),
      showPromotion: (state) => (this.replicaPromotion = state),
    };
  }

  private async bootstrap(): Promise<void> {
    this.state = 'bootstrapping';
    await bootstrap({
      spec: this.spec,
      creds: this.creds,
      paths: this.paths,
      postmaster: this.postmaster,
      socket: this.socket,
      launchPostgres: () => this.launchPostgres(),
      startPostgres: () => this.startPostgres(),
      showRecovery: (progress) => (this.recovery = progress),
    });
    this.state = this.postmaster.running ? 'running' : 'starting';
  }

  /** This data was a primary's: stop it, rewind it onto the new primary, or clone afresh if it cannot be. */
  private async rejoinAsStandby(): Promise<void> {
    const primary = this.spec.primary;
    if (!primary) throw new Error('a replica needs spec.primary to follow');
    this.state = 'rejoining';
    await this.postmaster.stop(30_000);
    await this.lease.release();
    const { outcome, output } = await rewindFromPrimary(this.spec.binDir, this.paths.pgdata, primary, this.paths.passfile);
    log('info', 'pg_rewind', { outcome, output: output.trim().split('\n').slice(-3).join(' | ') });
    if (outcome === 'retry-later') throw new Error(`waiting for the new primary ${primary.name} before rewinding: ${output.trim().split('\n').pop()}`);
    if (outcome === 'needs-reclone') {
      log('warn', 'pg_rewind cannot bring this data onto the new timeline; cloning afresh', { primary: primary.name });
      forgetBootstrap(this.paths);
      await this.bootstrap();
    }
  }

  private launchPostgres(): void {
    ensurePrivateDir(this.paths.socketDir);
    this.startedForRestart = this.spec.restartRequest;
    this.startedWithEnv = environmentKey(postgresEnvironment(this.spec, process.env));
    this.storage.beforeStart(this.spec);
    this.postmaster.start();
    this.emitEvent('postmaster-start');
    this.startedAt = Date.now();
  }

  /** Starts PostgreSQL and waits until it accepts connections; a bootstrap stays in its own state meanwhile. */
  private async startPostgres(): Promise<void> {
    const bootstrapping = this.state === 'bootstrapping';
    if (!bootstrapping) this.state = 'starting';
    this.launchPostgres();
    const deadline = Date.now() + READY_WAIT_MS;
    while (Date.now() < deadline) {
      if (!this.postmaster.running) {
        this.state = 'start-failed';
        throw new Error(`postgres exited during start; see ${this.paths.postgresLog}`);
      }
      if (await isAcceptingConnections(this.socket)) {
        if (!bootstrapping) this.state = 'running';
        log('info', 'postgres is accepting connections', { pid: this.postmaster.pid });
        return;
      }
      await sleep(50);
    }
    this.state = 'start-failed';
    throw new Error(`postgres did not accept connections within ${READY_WAIT_MS / 1000}s`);
  }

  private async reconcilePrimaryObjects(): Promise<void> {
    await withConnection(this.socket, 'postgres', async (c) => {
      if (await isInRecovery(c)) {
        // A designated primary keeps the slots its own standbys stream from; the rest comes from the source.
        if (this.spec.replicaCluster) await reconcileSlots(c, this.spec.replicationSlots);
        return;
      }
      await commitLocally(c);
      await reconcileSlots(c, this.spec.replicationSlots);
      // Outside the roles hash: clusters whose roles were set up before the exporter existed get it too.
      await ensureMetricsExporterRole(c);
      await this.managedExtensions.reconcile(this.socket, this.spec.parameters);
      await this.storage.onPrimary(c, this.spec);
      const hash = rolesHash(this.spec, this.creds);
      if (hash !== (await appliedRolesHash(c))) {
        const owner = this.spec.bootstrap.kind === 'join' ? this.creds.app?.username : this.spec.bootstrap.owner;
        await setUpBuiltinRoles(c, owner, this.spec, this.creds);
        await reconcilePoolerAuth(this.socket, this.spec.poolerAuth ?? false);
        await recordRolesHash(c, hash);
      }
      // On every reconcile: a role altered by hand is put back within one period.
      await this.managedRoles.sync(c, this.spec.managedRoles, this.creds);
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

  /** A Publication or Subscription, on the primary only (instance/logical-replication.ts). */
  /** pg_controldata of this instance's data, for the annotations of a volume snapshot of it. */
  controlData(): Promise<string> {
    return readControlData(this.spec.binDir, this.paths.pgdata);
  }

  logicalReplication(r: LogicalReplicationRequest): Promise<{ applied: boolean; message?: string }> {
    return applyLogicalReplication(this.primarySocket(), this.paths.root, this.spec.major, r);
  }

  /** A Database object's database, as this primary sees it (instance/databases.ts). */
  observeDatabase(request: ObserveDatabaseRequest): Promise<ObservedDatabase> {
    return observeDatabase(this.primarySocket(), request);
  }

  applyDatabase(actions: readonly DatabaseAction[]): Promise<ActionResult[]> {
    return applyDatabaseActions(this.primarySocket(), actions);
  }

  /** Where the operator's declarative SQL runs: this primary's socket, while it runs as one. */
  private primarySocket(): SocketTarget {
    if (this.spec.role !== 'primary' || this.isolated || !this.postmaster.running || this.state !== 'running') throw new RefusedError(`${this.spec.name} is not a running primary (${reportedPhase(this.state)})`);
    return this.socket;
  }

  startBackup(req: BackupRequest): BackupReport {
    if (!this.postmaster.running || this.state !== 'running') throw new Error(`cannot back up: PostgreSQL is ${reportedPhase(this.state)}`);
    return this.archive.startBackup(req);
  }

  backupReport(name: string): BackupReport | undefined {
    return this.archive.backupReport(name);
  }

  refreshCatalog(): Promise<void> {
    return this.archive.refreshCatalog();
  }

  async restartPostgres(): Promise<void> {
    // A restart would start PostgreSQL only to have the next reconcile stop it again.
    if (this.spec.fenced) throw new RefusedError(`${this.spec.name} is fenced; lift the fencing (cnpg fencing off) to start it`);
    if (this.isolated) throw new RefusedError(`${this.spec.name} is isolated (${this.isolationReason ?? 'by the operator'}); it starts again once the operator confirms that no other instance replaced it`);
    this.hold('stopping-for-restart');
    try {
      await this.postmaster.stop();
    } finally {
      this.release('stopping-for-restart', 'restarting');
    }
    await this.requestReconcile();
  }

  /**
   * Promotes this standby once it has received WAL up to `minLsn` (a switchover passes the old
   * primary's shutdown checkpoint, so nothing acknowledged is left behind).
   */
  async promote(minLsn: string | undefined, timeoutMs = 30_000): Promise<InstanceStatus> {
    await this.reconciling;
    // In a replica cluster the new primary is a designated one: it follows the source, it does not take writes.
    // The platform wrote the new spec just before asking: read it, not the one last reconciled.
    if (designatedSource(this.readSpec())) {
      await this.requestReconcile();
      return this.status();
    }
    await this.lease.acquire(this.readSpec());
    await promoteStandby(this.socket, minLsn, timeoutMs, this.spec.timings?.promotionTimeout);
    // Configuration, slots and roles follow in the background: writes are possible from here on.
    void this.requestReconcile();
    checkpointInBackground(this.socket);
    return this.status();
  }

  /** Clean demotion for a switchover: checkpoint, stop, and report where this primary's WAL ends. */
  async demote(): Promise<{ lsn: string }> {
    this.hold('demoting');
    let lsn: string;
    try {
      lsn = await demotePrimary(this.socket, this.postmaster, this.spec.binDir, this.paths.pgdata, switchoverShutdownSteps(this.spec.timings ?? DEFAULT_TIMINGS));
      // Stopped, its last WAL archived: the new primary may take the lease at once.
      await this.lease.release();
    } finally {
      this.release('demoting', this.postmaster.running ? 'running' : 'stopped');
    }
    void this.requestReconcile();
    return { lsn };
  }

  /** Stop accepting writes now; PostgreSQL stays down until the operator writes a new spec. */
  async isolate(reason: string): Promise<void> {
    this.isolatedAtGeneration = this.spec.generation;
    this.isolationReason = reason;
    this.state = 'isolated';
    log('warn', 'isolating: PostgreSQL stopped', { reason });
    await this.postmaster.stop(ISOLATION_STOP_MS);
    // An isolated primary may not reach the store: the release is tried, never waited for.
    if (!this.postmaster.running) void this.lease.release();
  }

  status(): Promise<InstanceStatus> {
    return instanceStatus(
      {
        spec: this.spec,
        pgdata: this.paths.pgdata,
        phase: reportedPhase(this.state),
        postmasterPid: this.postmaster.pid,
        postmasterStartedAt: this.postmaster.running ? new Date(this.startedAt).toISOString() : undefined,
        postgresRunning: this.postmaster.running,
        isolationReason: this.isolated ? this.isolationReason : undefined,
        appliedGeneration: this.appliedGeneration,
        lastError: this.lastError,
        recovery: this.recovery,
        archive: this.archive.status(),
        startedForRestart: this.startedForRestart,
        startedWithEnv: this.startedWithEnv,
        replicaCluster: { demotionToken: readDemotionToken(this.paths), replicaPromotion: this.replicaPromotion, sourceWal: this.sourceWal.status() },
        storage: this.storage.status(this.spec),
        managedRoles: this.spec.role === 'primary' ? this.managedRoles.report : undefined,
      },
      this.socket,
    ).then((s) => this.walReceiver.annotate(s, this.spec.primary?.name));
  }

  /** `fast`: no smart shutdown first (the instance is removed with its data: no session is worth waiting for). */
  shutdown(fast = false): Promise<void> {
    this.shuttingDown ??= this.stopEverything(fast);
    return this.shuttingDown;
  }

  private async stopEverything(fast: boolean): Promise<void> {
    this.hold('shutting-down');
    clearInterval(this.periodic);
    this.isolationWatch.stop();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.reconciling?.catch(() => undefined);
    await this.archive.stop();
    await this.sourceWal.stop();
    // A checkpoint first keeps the shutdown checkpoint, which every step below waits for, short.
    if (this.postmaster.running) await withConnection(this.socket, 'postgres', checkpoint).catch(() => undefined);
    const timings = this.spec.timings ?? DEFAULT_TIMINGS;
    await this.postmaster.stopInSteps(shutdownSteps(fast ? { ...timings, smartShutdownTimeout: 0 } : timings));
    if (this.postmaster.running) this.lease.stop();
    else await this.lease.releaseWithin(LEASE_RELEASE_ON_EXIT_MS);
    this.postmaster.dispose();
  }
}
