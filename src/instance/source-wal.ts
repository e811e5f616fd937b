// The WAL a designated primary reads from its source's object store, for as long as it follows
// it: restore_command (wal-scripts.ts) asks, a WalRestorer fetches. A file the store does not have
// yet is answered "missing", and PostgreSQL asks again a few seconds later.
import { openBlobStore } from '../objectstore/index.js';
import type { InstancePaths } from './paths.js';
import type { Credentials, InstanceSpec } from './spec.js';
import { storeTarget } from './store-target.js';
import { walPrefetch, WalRestorer } from './wal-restorer.js';
import { installScript, restoreScript, scriptCommand } from './wal-scripts.js';

export class SourceWal {
  private restorer?: WalRestorer;
  private key?: string;

  constructor(private readonly paths: InstancePaths) {}

  /** restore_command for the designated primary; the same script an archive recovery uses. */
  get restoreCommand(): string {
    return scriptCommand(this.paths.restoreScript, '%f %p');
  }

  /**
   * Runs a restorer while the primary's spec names a source with a store, and none otherwise: also
   * while a promotion waits for its token, since replay must go on up to it.
   */
  async reconcile(spec: InstanceSpec, creds: Credentials): Promise<void> {
    const store = spec.role === 'primary' ? spec.replicaCluster?.source?.store : undefined;
    const key = store ? JSON.stringify([store, creds.stores?.replica]) : undefined;
    if (key === this.key) return;
    await this.stop();
    this.key = key;
    if (!store) return;
    this.restorer = new WalRestorer({
      spool: this.paths.restoreSpool,
      store: openBlobStore(storeTarget(store, creds.stores?.replica)),
      serverName: store.serverName,
      maxParallel: walPrefetch(store),
    });
    installScript(this.paths.restoreScript, restoreScript(this.paths.restoreSpool));
    this.restorer.start();
  }

  status(): { restoredWalFiles: number; lastError?: string } | undefined {
    return this.restorer && { restoredWalFiles: this.restorer.restored, lastError: this.restorer.lastError };
  }

  async stop(): Promise<void> {
    await this.restorer?.stop();
    this.restorer = undefined;
    this.key = undefined;
  }
}
