// Applies the retention plan to a store: obsolete backups first (newest-obsolete last, so a
// crash leaves the oldest gone first), then the WAL that only they needed.
import type { BlobStore } from './blob-store.js';
import { deleteBackup, readCatalog } from './catalog.js';
import { planRetention } from './retention.js';
import { listWals } from './wal.js';

export async function enforceRetention(
  store: BlobStore,
  serverName: string,
  policy: string,
  now: Date,
): Promise<{ deletedBackups: string[]; deletedWals: number; firstRecoverabilityPoint?: Date }> {
  const catalog = await readCatalog(store, serverName);
  const wals = await listWals(store, serverName);
  const plan = planRetention(catalog.backups, wals, policy, now);
  for (const id of plan.obsoleteBackups) await deleteBackup(store, serverName, id);
  await store.delete(plan.obsoleteWalKeys);
  return {
    deletedBackups: plan.obsoleteBackups,
    deletedWals: plan.obsoleteWalKeys.length,
    ...(plan.firstRecoverabilityPoint ? { firstRecoverabilityPoint: plan.firstRecoverabilityPoint } : {}),
  };
}
