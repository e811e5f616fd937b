// What a bootstrap (bootstrap.ts and the replica cluster's designated-bootstrap.ts) needs of the
// manager running it, apart from both so that neither imports the other.
import type { SocketTarget } from './db.js';
import type { InstancePaths } from './paths.js';
import type { Postmaster } from './postmaster.js';
import type { Credentials, InstanceSpec } from './spec.js';
import type { WalRestorer } from './wal-restorer.js';

/** An archive recovery under way: the base backup it restored and the restorer fetching WAL. */
export interface RecoveryProgress {
  backupId: string;
  restorer: Pick<WalRestorer, 'restored' | 'lastError'>;
}

/** What a bootstrap needs of the manager running it. */
export interface BootstrapHost {
  readonly spec: InstanceSpec;
  readonly creds: Credentials;
  readonly paths: InstancePaths;
  readonly postmaster: Postmaster;
  readonly socket: SocketTarget;
  /** Starts the postmaster without waiting for it to accept connections. */
  launchPostgres(): void;
  /** Starts the postmaster and waits until it accepts connections. */
  startPostgres(): Promise<void>;
  showRecovery(progress: RecoveryProgress | undefined): void;
}
