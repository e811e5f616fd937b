// Everything the instance manager does with the cluster's object store while it runs: WAL
// archiving, base backups on request, and (on the primary) catalog upkeep and retention.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openBlobStore, type BlobStore } from '../objectstore/index.js';
import { takeBaseBackup, type BackupReport, type BackupRequest } from './base-backup.js';
import { backupWalSwitch } from './backup-wal-switch.js';
import { catalogUpkeep, type CatalogSummary } from './catalog.js';
import { RetentionLoop, UPKEEP_MS, retentionWithUpkeep } from './retention-schedule.js';
import type { SocketTarget } from './db.js';
import { log } from './log.js';
import type { InstancePaths } from './paths.js';
import type { Credentials, InstanceSpec, StoreSpec } from './spec.js';
import { storeIdentity, storeTarget } from './store-target.js';
import { WalArchiver, type ArchivingStatus } from './wal-archiver.js';
import { archiveScript, installScript } from './wal-scripts.js';

export class ArchiveService {
  private archiver?: WalArchiver;
  private archiverKey?: string;
  private store?: BlobStore;
  private archive?: StoreSpec;
  private catalog?: CatalogSummary;
  private upkeepTimer?: NodeJS.Timeout;
  private upkeepRunning?: Promise<boolean>;
  /** A store with a retention interval of its own applies the policy on that schedule (retention-schedule.ts). */
  private readonly retention = new RetentionLoop(() => this.spec?.retentionIntervalSeconds, () => this.upkeep(true));
  private readonly backups = new Map<string, BackupReport>();
  private isPrimary = false;
  private spec?: InstanceSpec;
  private creds?: Credentials;

  constructor(
    private readonly paths: InstancePaths,
    private readonly socket: () => SocketTarget,
    private readonly wakeArchiver: () => void,
  ) {
    mkdirSync(paths.backups, { recursive: true, mode: 0o700 });
    for (const file of readdirSync(paths.backups)) {
      const report = JSON.parse(readFileSync(join(paths.backups, file), 'utf8')) as BackupReport;
      // A backup cannot survive its manager: its connection, and with it the backup, ended.
      if (report.phase === 'running') Object.assign(report, { phase: 'failed', error: 'the instance manager restarted during the backup', stoppedAt: new Date().toISOString() });
      this.backups.set(report.backupName, report);
    }
    if (!existsSync(paths.archiveScript)) installScript(paths.archiveScript, archiveScript(undefined));
  }

  /** Brings archiving in line with the spec; cheap when nothing changed. */
  async reconcile(spec: InstanceSpec, creds: Credentials, isPrimary: boolean): Promise<void> {
    this.spec = spec;
    this.creds = creds;
    this.isPrimary = isPrimary;
    const key = spec.archive ? JSON.stringify([spec.archive, creds.stores?.archive]) : spec.archiveHeld;
    if (key === this.archiverKey) return;
    await this.archiver?.stop();
    // PostgreSQL kept segments while the store was missing; its archiver retries only once a minute.
    const wasHeld = this.archive === undefined && this.archiverKey !== undefined;
    this.archiver = undefined;
    this.archiverKey = key;
    this.archive = spec.archive;
    this.catalog = undefined;
    if (this.upkeepTimer) clearInterval(this.upkeepTimer);
    this.retention.stop();
    if (!spec.archive) {
      this.store = undefined;
      installScript(this.paths.archiveScript, archiveScript(undefined, undefined, spec.archiveHeld));
      return;
    }
    this.store = openBlobStore(storeTarget(spec.archive, creds.stores?.archive));
    const spool = join(this.paths.archiveSpool, storeIdentity(spec.archive));
    this.archiver = new WalArchiver({
      pgdata: this.paths.pgdata,
      spool,
      store: this.store,
      serverName: spec.archive.serverName,
      compression: spec.archive.walCompression,
      maxParallel: spec.archive.walMaxParallel,
      emptyCheckFlag: this.paths.emptyArchiveCheck,
      onRecovered: this.wakeArchiver,
    });
    installScript(this.paths.archiveScript, archiveScript(spool));
    this.archiver.start();
    if (wasHeld) this.wakeArchiver();
    log('info', 'WAL archiving configured', { destination: this.store.describe(), serverName: spec.archive.serverName });
    this.upkeepTimer = setInterval(() => void this.refreshCatalog(), UPKEEP_MS);
    void this.refreshCatalog();
    this.retention.start();
  }

  status(): { archiving?: ArchivingStatus; catalog?: CatalogSummary } {
    return { archiving: this.isPrimary ? this.archiver?.status() : undefined, catalog: this.isPrimary ? this.catalog : undefined };
  }

  /** Lists the catalog and, on the primary, applies the retention policy unless its store schedules that itself. */
  async refreshCatalog(): Promise<void> {
    await this.upkeep(retentionWithUpkeep(this.spec?.retentionIntervalSeconds));
  }

  /**
   * One upkeep at a time: a listing under way serves a listing asked meanwhile, and an upkeep that
   * applies the policy waits its turn. Resolves to whether it succeeded.
   */
  private upkeep(retention: boolean): Promise<boolean> {
    if (this.upkeepRunning && !retention) return this.upkeepRunning;
    const run = (this.upkeepRunning ?? Promise.resolve(true)).then(() => this.upkeepOnce(retention));
    this.upkeepRunning = run;
    void run.finally(() => {
      if (this.upkeepRunning === run) this.upkeepRunning = undefined;
    });
    return run;
  }

  private async upkeepOnce(retention: boolean): Promise<boolean> {
    const { store, archive } = this;
    if (!this.isPrimary || !store || !archive) return true;
    const summary = await catalogUpkeep(store, archive.serverName, retention ? this.spec?.retentionPolicy : undefined, new Date());
    if (store !== this.store) return true;
    this.catalog = summary;
    if (summary.error) log('warn', 'backup catalog upkeep failed', { error: summary.error });
    if (summary.deletedBackups || summary.deletedWals) log('info', 'retention policy applied', { deletedBackups: summary.deletedBackups, deletedWals: summary.deletedWals });
    return summary.error === undefined;
  }

  backupReport(name: string): BackupReport | undefined {
    return this.backups.get(name);
  }

  /** Starts a base backup in the background; the report is kept under the backup's name. */
  startBackup(req: BackupRequest): BackupReport {
    const existing = this.backups.get(req.backupName);
    if (existing) return existing;
    const { store, archive, spec, creds } = this;
    if (!store || !archive || !spec || !creds) throw new Error('this cluster has no backup.barmanObjectStore to back up to');
    const failing = this.archiver?.status();
    if (this.isPrimary && failing?.failing) throw new Error(`WAL archiving is failing (${failing.lastError ?? 'unknown error'}); a backup now could not be restored`);
    const record = (r: BackupReport) => {
      this.backups.set(r.backupName, r);
      writeFileSync(join(this.paths.backups, `${encodeURIComponent(r.backupName)}.json`), JSON.stringify(r, null, 2) + '\n', { mode: 0o600 });
    };
    const switchWal = backupWalSwitch(spec, creds, this.paths, this.isPrimary);
    const running: BackupReport = { backupName: req.backupName, phase: 'running', instance: spec.name, startedAt: new Date().toISOString() };
    record(running);
    log('info', 'base backup starting', { backup: req.backupName, destination: store.describe() });
    void takeBaseBackup({ instance: spec.name, socket: this.socket(), store, archive, switchWal, onUpdate: record }, req).then((r) => {
      record(r);
      log(r.phase === 'completed' ? 'info' : 'error', `base backup ${r.phase}`, { backup: r.backupName, backupId: r.backupId, error: r.error });
      void this.refreshCatalog();
    });
    return running;
  }

  async stop(): Promise<void> {
    if (this.upkeepTimer) clearInterval(this.upkeepTimer);
    this.retention.stop();
    await this.archiver?.stop();
  }
}
