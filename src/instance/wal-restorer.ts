// WAL for archive recovery. restore_command (wal-scripts.ts) asks for a file by creating
// `<spool>/want/<name>`; the manager downloads it into `<spool>/<name>` and, for a plain segment,
// fetches the next `maxParallel - 1` segments ahead, so replay rarely waits on the network.
import { existsSync, mkdirSync, readdirSync, rmSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { restoreWal, type BlobStore } from '../objectstore/index.js';
import { nextWalFileName } from '../postgres/lsn.js';
import { log } from './log.js';

export interface WalRestorerOptions {
  spool: string;
  store: BlobStore;
  serverName: string;
  maxParallel: number;
  segmentSize?: number;
}

/**
 * Segments fetched at once: wal.maxParallel when the store sets it, else one per core of this
 * machine (CloudNativePG's default is 1). Fetching and gunzipping a segment costs a core while
 * replay, one process, waits on the next: the cores that replay leaves idle fetch ahead.
 */
export function walPrefetch(store: { walPrefetch?: number }, cores = availableParallelism()): number {
  return store.walPrefetch ?? Math.max(1, cores);
}

const SCAN_MS = 200;
const RETRY_MS = 2000;

export class WalRestorer {
  private readonly wantDir: string;
  /** Downloads in progress or done, by name: what each resolved to. */
  private readonly fetches = new Map<string, Promise<'restored' | 'missing' | 'failed'>>();
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  restored = 0;
  lastError?: string;

  constructor(private readonly o: WalRestorerOptions) {
    this.wantDir = join(o.spool, 'want');
    rmSync(o.spool, { recursive: true, force: true });
    mkdirSync(this.wantDir, { recursive: true, mode: 0o700 });
  }

  start(): void {
    this.watcher = watch(this.wantDir, () => this.serveRequests());
    this.timer = setInterval(() => this.serveRequests(), SCAN_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled(this.fetches.values());
    rmSync(this.o.spool, { recursive: true, force: true });
  }

  private serveRequests(): void {
    if (this.stopped || !existsSync(this.wantDir)) return;
    for (const name of readdirSync(this.wantDir)) {
      rmSync(join(this.wantDir, name), { force: true });
      void this.answer(name);
    }
  }

  private async answer(name: string): Promise<void> {
    let outcome = await this.fetch(name);
    // A prefetch that found nothing, or failed, may be out of date by now: ask the store again.
    if (outcome !== 'restored' || !existsSync(join(this.o.spool, name))) {
      this.fetches.delete(name);
      outcome = await this.fetch(name);
    }
    if (outcome === 'missing') writeFileSync(join(this.o.spool, `${name}.missing`), '');
    if (outcome === 'failed' && !this.stopped) {
      // The store is unreachable: restore_command keeps waiting while the manager retries.
      setTimeout(() => {
        this.fetches.delete(name);
        void this.answer(name);
      }, RETRY_MS);
      return;
    }
    this.fetches.delete(name);
    this.prefetchAfter(name);
  }

  private prefetchAfter(name: string): void {
    let next = name;
    for (let i = 1; i < this.o.maxParallel; i++) {
      const n = nextWalFileName(next, this.o.segmentSize);
      if (!n) return;
      next = n;
      if (!this.fetches.has(next) && !existsSync(join(this.o.spool, next))) void this.fetch(next);
    }
  }

  private fetch(name: string): Promise<'restored' | 'missing' | 'failed'> {
    const existing = this.fetches.get(name);
    if (existing) return existing;
    const dest = join(this.o.spool, name);
    const p = existsSync(dest)
      ? Promise.resolve('restored' as const)
      : restoreWal(this.o.store, this.o.serverName, name, dest).then(
          (r) => {
            if (r === 'restored') this.restored++;
            return r;
          },
          (e: unknown) => {
            this.lastError = (e as Error).message;
            log('warn', 'fetching WAL from the store failed', { wal: name, error: this.lastError });
            return 'failed' as const;
          },
        );
    this.fetches.set(name, p);
    return p;
  }
}
