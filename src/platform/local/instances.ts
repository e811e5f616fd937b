// Instances as local processes: one folder and one detached instance-manager process each.
// Detached, so instances outlive the daemon and a restarted daemon adopts them.
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Cluster } from '../../api/index.js';
import { InstanceClient } from '../../instance/client.js';
import { ISOLATION_TIMEOUT_MS } from '../../instance/isolation.js';
import { instancePaths } from '../../instance/paths.js';
import { FileLeaseStore } from '../../instance/lease-file-store.js';
import { DEFAULT_LEASE_TIMINGS, releaseLease, type LeaseRecord } from '../../instance/primary-lease.js';
import { localStorage } from './storage-places.js';
import { isAlive, isPostmasterOf, readPostmasterPid } from '../../instance/postmaster.js';
import type { LogicalReplicationAnswer, LogicalReplicationRequest } from '../../instance/logical-replication.js';
import type { BackupReport, BackupRequest } from '../../instance/base-backup.js';
import type { Credentials, InstanceSpec, PeerEndpoint } from '../../instance/spec.js';
import type { InstanceStatus } from '../../instance/status.js';
import type { InstanceHandout } from '../../operator/types.js';
import { statusErrorOf } from '../../operator/status-error.js';
import type { ActionResult, ObserveDatabaseRequest } from '../../instance/database-requests.js';
import type { DatabaseAction, ObservedDatabase } from '../../postgres/database-sql.js';
import type { InstanceRuntime } from '../../operator/platform.js';
import type { InstanceConfig, MajorUpgradeFailure, ObservedInstance } from '../../operator/types.js';
import { dataMajor } from '../../instance/major-upgrade.js';
import { runMajorUpgrade } from './major-upgrade.js';
import { resolveInstallation } from '../../postgres/binaries.js';
import { defaultCacheDir, installedBuild } from '../../postgres/distributions.js';
import type { WantedVersion } from '../../postgres/build-choice.js';
import type { PostgresBuildState } from '../../operator/types.js';
import { PostgresBuilds } from './postgres-builds.js';
import { ClusterUsers } from './cluster-users.js';
import type { CnpgHome, OsUser } from './home.js';
import { InstanceEventWatcher } from './instance-events.js';
import { keepDataFolder } from './kept-data.js';
import { LocalSnapshots } from './snapshots.js';
import type { SnapshotBackupBegun, SnapshotBackupEnded, SnapshotBackupStart, SnapshotBackupStop } from '../../instance/snapshot-backup.js';
import { makeOwnedDir, spawnOwnedManager, writeOwnedFile } from './owned-files.js';
import { freePort } from './ports.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** Beyond stopDelay, how long a stopped manager has before it is killed. */
const STOP_KILL_MARGIN_S = 5;

const MANAGER_MAIN = fileURLToPath(new URL('../../instance/main.js', import.meta.url));
const DEFAULT_IMAGE_REPOSITORY = 'ghcr.io/cloudnative-pg/postgresql';
/** The primary lease's folder in a cluster's folder; not an instance's, as it has no platform.json. */
const LEASE_DIR = '.lease';

/**
 * What the platform remembers about an instance: a file next to the instance's data, written by
 * the control plane and readable only by it (root's when root, and then only trusted if root's).
 */
export interface InstanceRecord {
  namespace: string;
  cluster: string;
  name: string;
  serial: number;
  pgPort: number;
  statusPort: number;
  /** Where the manager's exporter serves /metrics; records from before the exporter get one at their next spec. */
  metricsPort?: number;
  managerPid?: number;
  /** When managerPid was spawned. */
  managerStartedAt?: string;
  token: string;
  generation: number;
  /** As the controller handed them over. */
  configHash?: string;
  credentialsHash?: string;
  /** The peers the manager was last told of. */
  peers?: PeerEndpoint[];
  role: InstanceConfig['role'];
  createdAt: string;
  /** The build the last spec written names, and the one the running manager was started on. */
  specVersion?: string;
  runningVersion?: string;
  /** The last major upgrade of this instance's data that failed; cleared by one that succeeds. */
  majorUpgradeFailure?: MajorUpgradeFailure;
}

export class LocalInstances implements InstanceRuntime {
  private readonly watcher?: InstanceEventWatcher;
  private readonly recordCache = new Map<string, Map<string, InstanceRecord>>();
  private readonly users: ClusterUsers;
  private readonly builds = new PostgresBuilds();
  /** Volume snapshots of these instances' folders (snapshots.ts). */
  readonly snapshots: LocalSnapshots;

  constructor(
    private readonly home: CnpgHome,
    onInstanceEvent?: (namespace: string, cluster: string) => void,
  ) {
    if (onInstanceEvent) this.watcher = new InstanceEventWatcher(onInstanceEvent);
    this.users = new ClusterUsers(home.root, home.asRoot);
    this.snapshots = new LocalSnapshots(join(home.root, 'snapshots'), (cluster, name) => this.dirOf(cluster, name));
  }

  /** The operating-system user a cluster's instances run as (see cluster-users.ts). */
  osUserOf(namespace: string, cluster: string): OsUser | undefined {
    return this.users.of(this.clusterDir(namespace, cluster));
  }

  private requireUser(cluster: Cluster): OsUser {
    const ns = cluster.metadata.namespace ?? 'default';
    const user = this.osUserOf(ns, cluster.metadata.name);
    if (!user) throw new Error(`cluster ${ns}/${cluster.metadata.name} has no operating-system user yet`);
    return user;
  }

  /** The user to hand files to and start processes as: none when we are that user already. */
  private owner(cluster: Cluster): OsUser | undefined {
    return this.home.asRoot ? this.requireUser(cluster) : undefined;
  }

  /** Frees the cluster's operating-system user once its last instance is removed. */
  async release(cluster: Cluster): Promise<void> {
    await this.users.release(this.clusterDir(cluster.metadata.namespace ?? 'default', cluster.metadata.name));
  }

  close(): void {
    this.watcher?.close();
  }

  postgresBuild(wanted: WantedVersion): Promise<PostgresBuildState> {
    return this.builds.state(wanted);
  }

  defaultMajor(): number {
    return resolveInstallation(undefined).major;
  }

  /** Locally an image only names the major whose installed binaries run the Cluster: the newest. */
  defaultImage(): string {
    return `${DEFAULT_IMAGE_REPOSITORY}:${this.defaultMajor()}`;
  }

  clusterDir(namespace: string, cluster: string): string {
    return join(this.home.instances, namespace, cluster);
  }

  private dirOf(cluster: Cluster, name: string): string {
    return join(this.clusterDir(cluster.metadata.namespace ?? 'default', cluster.metadata.name), name);
  }

  /**
   * The records of one cluster's instances by folder: read from disk at the first use of that
   * cluster, then kept here, as this class writes them all. Reconciles read them several times
   * each, and reads from disk were synchronous.
   */
  private cachedRecords(clusterDir: string): Map<string, InstanceRecord> {
    let recs = this.recordCache.get(clusterDir);
    if (!recs) {
      recs = new Map();
      for (const entry of existsSync(clusterDir) ? readdirSync(clusterDir) : []) {
        const file = join(clusterDir, entry, 'platform.json');
        if (existsSync(file) && this.trusted(file)) recs.set(join(clusterDir, entry), JSON.parse(readFileSync(file, 'utf8')) as InstanceRecord);
      }
      this.recordCache.set(clusterDir, recs);
    }
    return recs;
  }

  /**
   * The instance's user can replace files in its folder; a record it wrote could point the control
   * plane at another cluster's processes. Root's records are root's files; anything else is ignored.
   */
  private trusted(file: string): boolean {
    const st = lstatSync(file);
    return st.isFile() && (!this.home.asRoot || st.uid === 0);
  }

  readRecord(dir: string): InstanceRecord | undefined {
    const rec = this.cachedRecords(dirname(dir)).get(dir);
    return rec && structuredClone(rec);
  }

  private requireRecord(cluster: Cluster, name: string): { dir: string; rec: InstanceRecord } {
    const dir = this.dirOf(cluster, name);
    const rec = this.readRecord(dir);
    if (!rec) throw new Error(`instance ${name} has no local record`);
    return { dir, rec };
  }

  /**
   * Synchronous and small: a daemon restarted after this returned must find the manager it records.
   * Not fsynced (nor are the spec and credentials): they are written on the event loop at every
   * configuration change, and a crashed daemon finds them in the page cache all the same.
   */
  private writeRecord(dir: string, rec: InstanceRecord): void {
    writeOwnedFile(join(dir, 'platform.json'), JSON.stringify(rec, null, 2) + '\n', undefined, 0o600, { durable: false });
    this.cachedRecords(dirname(dir)).set(dir, structuredClone(rec));
  }

  /** In folder-name order, as the folder listing gave them. */
  records(namespace: string, cluster: string): Array<{ dir: string; record: InstanceRecord }> {
    return [...this.cachedRecords(this.clusterDir(namespace, cluster))]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([dir, record]) => ({ dir, record: structuredClone(record) }));
  }

  managerRunning(rec: InstanceRecord): boolean {
    if (!rec.managerPid || !isAlive(rec.managerPid)) return false;
    try {
      return readFileSync(`/proc/${rec.managerPid}/cmdline`, 'utf8').includes(MANAGER_MAIN);
    } catch {
      return false;
    }
  }

  /** The instance's manager listens on the loopback at the port its record holds. */
  private client(rec: InstanceRecord): InstanceClient {
    return new InstanceClient({ host: '127.0.0.1', port: rec.statusPort }, { token: rec.token, instance: rec.name });
  }

  fetchStatus(rec: InstanceRecord): Promise<InstanceStatus> {
    return this.client(rec).call('status');
  }

  /** The other instances' managers; an instance created after this one's last spec is not among its peers yet. */
  private peersOf(namespace: string, cluster: string, name: string): InstanceSpec['peers'] {
    return this.records(namespace, cluster)
      .filter(({ record }) => record.name !== name)
      .map(({ record }) => ({ name: record.name, statusPort: record.statusPort }));
  }

  async observe(cluster: Cluster): Promise<ObservedInstance[]> {
    const ns = cluster.metadata.namespace ?? 'default';
    const recs = this.records(ns, cluster.metadata.name);
    return Promise.all(
      recs.map(async ({ dir, record }) => {
        const running = this.managerRunning(record);
        const observed: ObservedInstance = {
          name: record.name,
          serial: record.serial,
          running,
          configHash: record.configHash,
          credentialsHash: record.credentialsHash,
          // Records written before peers were kept as a list hold a string: unknown, so out of date.
          peersToldOf: Array.isArray(record.peers) ? record.peers : undefined,
          peersNow: this.peersOf(ns, cluster.metadata.name, record.name),
          role: record.role,
          managerStartedAt: record.managerStartedAt,
          ...(record.runningVersion ? { postgresVersion: record.runningVersion } : {}),
          // Every local instance runs on this machine, which has no node labels: under
          // syncReplicaElectionConstraint all share the primary's place and none is electable.
          node: hostname(),
          nodeLabels: {},
          dataMajor: dataMajor(instancePaths(dir, record.pgPort).pgdata),
          majorUpgradeFailure: record.majorUpgradeFailure,
        };
        if (running) {
          this.watcher?.watch(record);
          try {
            observed.status = await this.fetchStatus(record);
          } catch (e) {
            Object.assign(observed, statusErrorOf(e));
          }
        } else {
          const pid = readPostmasterPid(instancePaths(dir, record.pgPort).pgdata);
          observed.postmasterRunning = pid !== undefined && isAlive(pid);
        }
        return observed;
      }),
    );
  }

  /** The build the controller chose (it obtained it first); a config naming none runs the installed major. */
  private binDirOf(config: InstanceConfig): string {
    if (config.postgresVersion === undefined) return resolveInstallation(config.major).binDir;
    const build = installedBuild(config.postgresVersion);
    if (!build) throw new Error(`PostgreSQL ${config.postgresVersion} is neither installed nor in the build cache ${defaultCacheDir()}/postgresql`);
    return build.binDir;
  }

  private instanceSpec(cluster: Cluster, rec: InstanceRecord, config: InstanceConfig): InstanceSpec {
    let primary: InstanceSpec['primary'];
    if (config.primaryName) {
      const primaryRec = this.readRecord(this.dirOf(cluster, config.primaryName));
      if (!primaryRec) throw new Error(`primary ${config.primaryName} has no local record`);
      primary = { name: config.primaryName, host: '127.0.0.1', port: primaryRec.pgPort };
    }
    return {
      namespace: rec.namespace,
      cluster: rec.cluster,
      name: rec.name,
      serial: rec.serial,
      generation: rec.generation,
      binDir: this.binDirOf(config),
      major: config.major,
      postgresVersion: config.postgresVersion,
      osUser: this.requireUser(cluster).name,
      pgPort: rec.pgPort,
      statusPort: rec.statusPort,
      metricsPort: rec.metricsPort,
      role: config.role,
      primary,
      slotName: config.slotName,
      bootstrap: config.bootstrap,
      parameters: config.parameters,
      pgHba: config.pgHba,
      pgIdent: config.pgIdent,
      ldap: config.ldap,
      localRoles: config.localRoles,
      replicationSlots: config.replicationSlots,
      enableSuperuserAccess: config.enableSuperuserAccess,
      managedRoles: config.managedRoles,
      synchronousStandbyNames: config.synchronousStandbyNames,
      fenced: config.fenced,
      restartRequest: config.restartRequest,
      reloadRequest: config.reloadRequest,
      peers: this.peersOf(rec.namespace, rec.cluster, rec.name),
      operatorEndpointFile: this.home.operatorEndpoint,
      isolationTimeoutMs: ISOLATION_TIMEOUT_MS,
      archive: config.archive,
      ...(config.archiveHeld ? { archiveHeld: config.archiveHeld } : {}),
      retentionPolicy: config.retentionPolicy,
      poolerAuth: config.poolerAuth,
      monitoring: config.monitoring,
      isolationCheck: config.isolationCheck,
      logLevel: config.logLevel,
      env: config.env,
      timings: config.timings,
      externalSources: config.externalSources,
      replicaCluster: config.replicaCluster,
      libraries: config.libraries,
      storage: localStorage(config.storage, this.dirOf(cluster, rec.name)),
      ...(config.primaryLease ? { primaryLease: { ...config.primaryLease, file: this.leaseFile(cluster) } } : {}),
    };
  }

  async primaryLease(cluster: Cluster): Promise<LeaseRecord | undefined> {
    return (await new FileLeaseStore(this.leaseFile(cluster)).read())?.record;
  }

  /** In a folder of the cluster's user beside its instances' (see create): every manager of the cluster replaces it. */
  private leaseFile(cluster: Cluster): string {
    return join(this.clusterDir(cluster.metadata.namespace ?? 'default', cluster.metadata.name), LEASE_DIR, 'lease.json');
  }

  /** Every spec written is a new generation, so the manager's status can say which one it applied. */
  private async writeInstanceFiles(cluster: Cluster, dir: string, rec: InstanceRecord, given: InstanceHandout): Promise<void> {
    rec.metricsPort ??= await freePort();
    rec.generation++;
    const paths = instancePaths(dir, rec.pgPort);
    const spec = this.instanceSpec(cluster, rec, given.config);
    const owner = this.owner(cluster);
    if (spec.primaryLease?.file) makeOwnedDir(dirname(spec.primaryLease.file), 0o700, owner);
    writeOwnedFile(paths.spec, JSON.stringify(spec, null, 2) + '\n', owner, 0o600, { durable: false });
    const credentials: Credentials = { ...given.credentials, managerToken: rec.token };
    writeOwnedFile(paths.credentials, JSON.stringify(credentials) + '\n', owner, 0o600, { durable: false });
    rec.configHash = given.configHash;
    rec.credentialsHash = given.credentialsHash;
    rec.peers = spec.peers;
    rec.role = given.config.role;
    rec.specVersion = spec.postgresVersion;
    this.writeRecord(dir, rec);
  }

  private spawnManager(cluster: Cluster, dir: string, rec: InstanceRecord): void {
    const paths = instancePaths(dir, rec.pgPort);
    const owner = this.owner(cluster);
    rec.managerPid = spawnOwnedManager(['--max-old-space-size=64', '--max-semi-space-size=1', MANAGER_MAIN, dir], paths.managerLog, dir, owner);
    rec.managerStartedAt = new Date().toISOString();
    // A manager starts its postmaster on the binaries of the spec it reads first: the build it runs until it is stopped.
    rec.runningVersion = rec.specVersion;
    this.writeRecord(dir, rec);
  }

  async create(cluster: Cluster, name: string, serial: number, given: InstanceHandout): Promise<void> {
    const dir = this.dirOf(cluster, name);
    if (this.readRecord(dir)) throw new Error(`instance ${name} already exists`);
    const ns = cluster.metadata.namespace ?? 'default';
    // The cluster's first instance brings its user; the folder above the instances stays root's.
    const user = this.home.asRoot ? await this.users.ensure(this.clusterDir(ns, cluster.metadata.name), ns, cluster.metadata.name) : undefined;
    await rm(dir, { recursive: true, force: true });
    makeOwnedDir(dir, 0o700, user);
    const rec: InstanceRecord = {
      namespace: cluster.metadata.namespace ?? 'default',
      cluster: cluster.metadata.name,
      name,
      serial,
      pgPort: await freePort(),
      statusPort: await freePort(),
      metricsPort: await freePort(),
      token: randomBytes(24).toString('hex'),
      generation: 0,
      role: given.config.role,
      createdAt: new Date().toISOString(),
    };
    const bootstrap = given.config.bootstrap;
    if (bootstrap.kind === 'snapshot') await this.snapshots.stage(ns, bootstrap.snapshots, instancePaths(dir).snapshotRestore, user);
    await this.writeInstanceFiles(cluster, dir, rec, given);
    this.spawnManager(cluster, dir, rec);
  }

  async configure(cluster: Cluster, name: string, given: InstanceHandout): Promise<void> {
    const { dir, rec } = this.requireRecord(cluster, name);
    await this.writeInstanceFiles(cluster, dir, rec, given);
    // A nudge, not awaited: the manager's reconcile may take long (a rewind), and other instances
    // must not wait behind it. It also re-reads its spec periodically, so a missed nudge only delays.
    void this.client(rec).call('reconcile').catch(() => undefined);
  }

  async start(cluster: Cluster, name: string, given: InstanceHandout): Promise<void> {
    const { dir, rec } = this.requireRecord(cluster, name);
    if (this.managerRunning(rec)) return;
    // A postmaster that outlived a killed manager is left alone: the new manager adopts it.
    await this.writeInstanceFiles(cluster, dir, rec, given);
    this.spawnManager(cluster, dir, rec);
  }

  async isolate(cluster: Cluster, name: string): Promise<void> {
    const dir = this.dirOf(cluster, name);
    const rec = this.readRecord(dir);
    if (!rec) return;
    if (this.managerRunning(rec)) await this.client(rec).call('isolate').catch(() => undefined);
    // The manager may be gone or hung: on this machine we can make sure ourselves.
    const pgdata = instancePaths(dir, rec.pgPort).pgdata;
    // postmaster.pid is the instance user's file: only a postmaster of this data folder is killed.
    const pid = postmasterOf(pgdata);
    if (pid !== undefined) killProcessTree(pid);
    const deadline = Date.now() + 5000;
    while (pid !== undefined && isAlive(pid)) {
      if (Date.now() > deadline) throw new Error(`could not stop the postmaster (pid ${pid}) of ${name}; refusing to promote another instance`);
      await sleep(10);
    }
    // With its manager gone too, nothing of this instance runs: its lease is let go for it, so the
    // next primary need not wait for it to expire. A manager still running lets go itself.
    if (!this.managerRunning(rec)) {
      await releaseLease(new FileLeaseStore(this.leaseFile(cluster)), name, cluster.spec.primaryLease?.releasedLeaseDurationSeconds ?? DEFAULT_LEASE_TIMINGS.releasedLeaseDurationSeconds);
    }
  }

  async promote(cluster: Cluster, name: string, given: InstanceHandout, minLsn?: string): Promise<void> {
    const { dir, rec } = this.requireRecord(cluster, name);
    await this.writeInstanceFiles(cluster, dir, rec, given);
    await this.client(rec).call('promote', { query: { minLsn } });
  }

  async demote(cluster: Cluster, name: string, given: InstanceHandout): Promise<string> {
    const { dir, rec } = this.requireRecord(cluster, name);
    await this.writeInstanceFiles(cluster, dir, rec, given);
    return (await this.client(rec).call('demote')).lsn;
  }

  async startBackup(cluster: Cluster, name: string, request: BackupRequest): Promise<void> {
    const { rec } = this.requireRecord(cluster, name);
    await this.client(rec).call('startBackup', { body: request });
  }

  async backupReport(cluster: Cluster, name: string, backupName: string): Promise<BackupReport | null> {
    const { rec } = this.requireRecord(cluster, name);
    return this.client(rec).call('backupReport', { params: { name: backupName } });
  }

  snapshotBackupStart(cluster: Cluster, name: string, request: SnapshotBackupStart): Promise<SnapshotBackupBegun> {
    const { rec } = this.requireRecord(cluster, name);
    return this.client(rec).call('snapshotBackupStart', { body: request });
  }

  snapshotBackupStop(cluster: Cluster, name: string, request: SnapshotBackupStop): Promise<SnapshotBackupEnded> {
    const { rec } = this.requireRecord(cluster, name);
    return this.client(rec).call('snapshotBackupStop', { body: request });
  }

  async snapshotBackupAbort(cluster: Cluster, name: string, backupName: string): Promise<void> {
    const { rec } = this.requireRecord(cluster, name);
    await this.client(rec).call('snapshotBackupAbort', { body: { backupName } });
  }

  async controlData(cluster: Cluster, name: string): Promise<string> {
    const { rec } = this.requireRecord(cluster, name);
    return (await this.client(rec).call('controlData')).output;
  }

  async refreshCatalog(cluster: Cluster, name: string): Promise<void> {
    const { rec } = this.requireRecord(cluster, name);
    await this.client(rec).call('refreshCatalog');
  }

  logicalReplication(cluster: Cluster, name: string, request: LogicalReplicationRequest): Promise<LogicalReplicationAnswer> {
    const { rec } = this.requireRecord(cluster, name);
    return this.client(rec).call('logicalReplication', { body: request });
  }

  async observeDatabase(cluster: Cluster, name: string, request: ObserveDatabaseRequest): Promise<ObservedDatabase> {
    const { rec } = this.requireRecord(cluster, name);
    return this.client(rec).call('observeDatabase', { body: request });
  }

  async applyDatabase(cluster: Cluster, name: string, actions: DatabaseAction[]): Promise<ActionResult[]> {
    const { rec } = this.requireRecord(cluster, name);
    return (await this.client(rec).call('applyDatabase', { body: { actions } })).results;
  }

  /**
   * The old binaries are the ones the instance's last spec ran its data with; the new ones are what
   * `given` asks for. Awaited: with --link it takes seconds whatever the data's size.
   */
  async upgradeMajor(cluster: Cluster, name: string, given: InstanceHandout, generation: number): Promise<void> {
    const { dir, rec } = this.requireRecord(cluster, name);
    if (this.managerRunning(rec)) throw new Error(`${name} is running; its data is upgraded only while it is stopped`);
    const paths = instancePaths(dir, rec.pgPort);
    const oldBinDir = (JSON.parse(readFileSync(paths.spec, 'utf8')) as InstanceSpec).binDir;
    const newBinDir = this.instanceSpec(cluster, rec, given.config).binDir;
    const outcome = await runMajorUpgrade({ dir, oldBinDir, newBinDir, port: rec.pgPort, user: this.owner(cluster) });
    if (outcome.ok) delete rec.majorUpgradeFailure;
    else rec.majorUpgradeFailure = { targetMajor: given.config.major, generation, stage: outcome.stage, reason: outcome.reason };
    this.writeRecord(dir, rec);
  }

  async restartPostgres(cluster: Cluster, name: string): Promise<void> {
    const { rec } = this.requireRecord(cluster, name);
    await this.client(rec).call('restart');
  }

  private async waitForPostmasterExit(dir: string, rec: InstanceRecord, timeoutMs: number): Promise<void> {
    const pgdata = instancePaths(dir, rec.pgPort).pgdata;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pid = postmasterOf(pgdata);
      if (pid === undefined) return;
      if (Date.now() > deadline) {
        process.kill(pid, 'SIGQUIT');
        return;
      }
      await sleep(100);
    }
  }

  stop(cluster: Cluster, name: string): Promise<void> {
    return this.stopWith(cluster, name, 'SIGTERM');
  }

  /** SIGTERM: smart shutdown first, as a deleted Pod's; SIGINT: fast at once (see instance/main.ts). */
  private async stopWith(cluster: Cluster, name: string, signal: 'SIGTERM' | 'SIGINT'): Promise<void> {
    const dir = this.dirOf(cluster, name);
    const rec = this.readRecord(dir);
    if (!rec) return;
    if (rec.managerPid && this.managerRunning(rec)) {
      process.kill(rec.managerPid, signal);
      // stopDelay is the grace period, as a Pod's: the manager's own immediate shutdown comes at
      // its end, so the kill waits a moment longer for it.
      const deadline = Date.now() + ((cluster.spec.stopDelay ?? 1800) + STOP_KILL_MARGIN_S) * 1000;
      while (isAlive(rec.managerPid) && Date.now() < deadline) await sleep(50);
      if (isAlive(rec.managerPid)) process.kill(-rec.managerPid, 'SIGKILL');
    }
    await this.waitForPostmasterExit(dir, rec, 30_000);
  }

  async remove(cluster: Cluster, name: string, options?: { keepData?: boolean }): Promise<void> {
    const dir = this.dirOf(cluster, name);
    const rec = this.readRecord(dir);
    // Its data goes with it (scale-down, a Cluster deleted, destroy): no session is worth waiting for,
    // and a pooler's server connections would hold a smart shutdown for smartShutdownTimeout.
    await this.stopWith(cluster, name, 'SIGINT');
    if (rec) await rm(instancePaths(dir, rec.pgPort).socketDir, { recursive: true, force: true });
    // `destroy` tells the user where (kept-data.ts names the folders).
    if (options?.keepData && existsSync(instancePaths(dir).pgdata)) {
      await keepDataFolder(instancePaths(dir).pgdata, this.home.root, cluster.metadata.namespace ?? 'default', cluster.metadata.name, name);
    }
    // A data folder can be large: removed off the event loop.
    await rm(dir, { recursive: true, force: true });
    this.cachedRecords(dirname(dir)).delete(dir);
  }
}

function postmasterOf(pgdata: string): number | undefined {
  const pid = readPostmasterPid(pgdata);
  return pid !== undefined && isAlive(pid) && isPostmasterOf(pid, pgdata) ? pid : undefined;
}

/** SIGKILL a postmaster and its children (backends outlive a killed postmaster for a moment). */
function killProcessTree(pid: number): void {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  for (const p of [pid, ...children]) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}
