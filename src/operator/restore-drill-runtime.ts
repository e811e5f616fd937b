// What a platform needs to run a restore drill of a Backup (instance/restore-drill.ts); the
// operator has already chosen the backup, resolved the store's secrets and parsed the checks.
import type { Cluster } from '../api/index.js';
import type { DrillOutcome } from '../instance/restore-drill.js';
import type { StoreSecrets, StoreSpec } from '../instance/spec.js';

export interface DrillOrder {
  backupName: string;
  backupId: string;
  source: StoreSpec;
  secrets?: StoreSecrets;
  /** The PostgreSQL major the backup was taken with; the newest installed when unknown. */
  major?: number;
  defaultDatabase: string;
  counts: string[];
  timeoutMs: number;
}

export interface DrillRuntime {
  /** Resolves to the outcome, never rejects for a failed drill; the throwaway server and folders are gone by then. */
  run(cluster: Cluster, order: DrillOrder): Promise<DrillOutcome>;
}
