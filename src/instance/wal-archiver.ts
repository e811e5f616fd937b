// Continuous WAL archiving. PostgreSQL marks finished segments `.ready`; the manager uploads them
// as soon as they appear, up to `maxParallel` at once, and records each stored segment as a marker
// file that archive_command (wal-scripts.ts) waits for. PostgreSQL only recycles a segment after
// archive_command succeeded, so nothing leaves pg_wal before the store has it.
import { existsSync, mkdirSync, readdirSync, rmSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { archiveHasWals, archiveWal, type BlobStore, type Compression } from '../objectstore/index.js';
import { log } from './log.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ArchivingStatus {
  destination: string;
  lastArchivedWal?: string;
  lastArchivedTime?: string;
  lastFailedWal?: string;
  lastFailedTime?: string;
  lastError?: string;
  readyWalFiles: number;
  failing: boolean;
}

export interface WalArchiverOptions {
  pgdata: string;
  /** Marker folder for this store only. */
  spool: string;
  store: BlobStore;
  serverName: string;
  compression?: Compression;
  maxParallel: number;
  /** Present after a bootstrap: the store must not hold another cluster's WAL. */
  emptyCheckFlag: string;
  /** Called when the store works again, to wake PostgreSQL's archiver out of its retry sleep. */
  onRecovered: () => void;
}

const SCAN_MS = 1000;
const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 10_000;
export const FAILING_MARKER = 'FAILING';

/** History files first (a new timeline is useless without its history), then oldest first. */
export function archiveOrder(names: string[]): string[] {
  const history = (n: string) => (n.endsWith('.history') ? 0 : 1);
  return [...names].sort((a, b) => history(a) - history(b) || (a < b ? -1 : a > b ? 1 : 0));
}

export class WalArchiver {
  private readonly statusDir: string;
  private readonly inFlight = new Set<string>();
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private scanning = false;
  private rescan = false;
  private stopped = false;
  private backoffMs = FIRST_BACKOFF_MS;
  private retryAt = 0;
  private readonly state: ArchivingStatus;
  private ready = 0;

  constructor(private readonly o: WalArchiverOptions) {
    this.statusDir = join(o.pgdata, 'pg_wal', 'archive_status');
    this.state = { destination: `${o.store.describe()} server ${o.serverName}`, readyWalFiles: 0, failing: false };
    mkdirSync(o.spool, { recursive: true, mode: 0o700 });
    // A new archiver starts optimistic: a FAILING marker left by an earlier one is stale.
    rmSync(join(o.spool, FAILING_MARKER), { force: true });
  }

  start(): void {
    this.timer = setInterval(() => this.scan(), SCAN_MS);
    this.scan();
  }

  status(): ArchivingStatus {
    return { ...this.state, readyWalFiles: this.ready };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
    while (this.inFlight.size > 0 || this.scanning) await sleep(20);
  }

  private ensureWatcher(): void {
    if (this.watcher || !existsSync(this.statusDir)) return;
    try {
      this.watcher = watch(this.statusDir, () => this.scan());
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      this.watcher = undefined;
    }
  }

  private scan(): void {
    if (this.stopped) return;
    if (this.scanning) {
      this.rescan = true;
      return;
    }
    this.scanning = true;
    void this.scanOnce()
      .catch((e: unknown) => log('error', 'WAL archive scan failed', { error: (e as Error).message }))
      .finally(() => {
        this.scanning = false;
        if (this.rescan && !this.stopped) {
          this.rescan = false;
          this.scan();
        }
      });
  }

  private async scanOnce(): Promise<void> {
    this.ensureWatcher();
    if (!existsSync(this.statusDir)) return;
    const ready = readdirSync(this.statusDir)
      .filter((f) => f.endsWith('.ready'))
      .map((f) => f.slice(0, -'.ready'.length));
    this.ready = ready.length;
    const stored = new Set(readdirSync(this.o.spool));
    this.forgetArchived(stored, new Set(ready));
    if (Date.now() < this.retryAt) return;
    const pending = archiveOrder(ready.filter((n) => !stored.has(n) && !this.inFlight.has(n)));
    if (pending.length === 0) return;
    if (existsSync(this.o.emptyCheckFlag) && !(await this.archiveIsOurs(pending[0]!))) return;
    for (const name of pending) {
      if (this.inFlight.size >= this.o.maxParallel || Date.now() < this.retryAt) break;
      this.inFlight.add(name);
      void this.upload(name).finally(() => {
        this.inFlight.delete(name);
        this.scan();
      });
    }
  }

  /** Markers of segments PostgreSQL has since marked done are no longer needed. */
  private forgetArchived(stored: Set<string>, ready: Set<string>): void {
    for (const name of stored) {
      if (name === FAILING_MARKER || ready.has(name)) continue;
      rmSync(join(this.o.spool, name), { force: true });
    }
  }

  private async archiveIsOurs(first: string): Promise<boolean> {
    try {
      if (await archiveHasWals(this.o.store, this.o.serverName)) {
        this.fail(
          first,
          `Expected empty archive: ${this.state.destination} already holds WAL, probably another cluster's. ` +
            'Point spec.backup.barmanObjectStore at an empty destinationPath or give it another serverName.',
        );
        return false;
      }
      rmSync(this.o.emptyCheckFlag, { force: true });
      return true;
    } catch (e) {
      this.fail(first, (e as Error).message);
      return false;
    }
  }

  private async upload(name: string): Promise<void> {
    try {
      await archiveWal(this.o.store, this.o.serverName, join(this.o.pgdata, 'pg_wal', name), { compression: this.o.compression });
    } catch (e) {
      this.fail(name, (e as Error).message);
      return;
    }
    writeFileSync(join(this.o.spool, name), '');
    this.state.lastArchivedWal = name;
    this.state.lastArchivedTime = new Date().toISOString();
    if (this.state.failing) {
      this.state.failing = false;
      this.backoffMs = FIRST_BACKOFF_MS;
      this.retryAt = 0;
      rmSync(join(this.o.spool, FAILING_MARKER), { force: true });
      log('info', 'WAL archiving works again', { wal: name });
      this.o.onRecovered();
    }
  }

  private fail(name: string, error: string): void {
    this.state.failing = true;
    this.state.lastFailedWal = name;
    this.state.lastFailedTime = new Date().toISOString();
    writeFileSync(join(this.o.spool, FAILING_MARKER), error + '\n');
    // Uploads in flight together fail together: that is one failed round, one step of backoff.
    if (Date.now() < this.retryAt) return;
    if (this.state.lastError !== error) log('warn', 'WAL archiving failed', { wal: name, error, retryInMs: this.backoffMs });
    this.state.lastError = error;
    this.retryAt = Date.now() + this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
  }
}
