// The primary keeps the backup catalog in shape: it applies the retention policy and reports the
// recovery window the store offers now.
import { enforceRetention, listBackups, type BlobStore } from '../objectstore/index.js';

export interface CatalogSummary {
  checkedAt: string;
  backups: number;
  firstRecoverabilityPoint?: string;
  lastSuccessfulBackup?: string;
  lastFailedBackup?: string;
  deletedBackups?: string[];
  deletedWals?: number;
  error?: string;
}

export async function catalogUpkeep(store: BlobStore, serverName: string, retentionPolicy: string | undefined, now: Date): Promise<CatalogSummary> {
  const summary: CatalogSummary = { checkedAt: now.toISOString(), backups: 0 };
  try {
    if (retentionPolicy) {
      const r = await enforceRetention(store, serverName, retentionPolicy, now);
      if (r.deletedBackups.length > 0) summary.deletedBackups = r.deletedBackups;
      if (r.deletedWals > 0) summary.deletedWals = r.deletedWals;
    }
    const catalog = await listBackups(store, serverName);
    const done = catalog.filter((b) => b.status === 'DONE' && b.endTime).sort((a, b) => a.endTime!.getTime() - b.endTime!.getTime());
    const failed = catalog.filter((b) => b.status === 'FAILED');
    summary.backups = done.length;
    summary.firstRecoverabilityPoint = done[0]?.endTime?.toISOString();
    summary.lastSuccessfulBackup = done.at(-1)?.endTime?.toISOString();
    summary.lastFailedBackup = failed
      .map((b) => (b.endTime ?? b.beginTime)?.toISOString())
      .filter((t): t is string => t !== undefined)
      .sort()
      .at(-1);
  } catch (e) {
    summary.error = (e as Error).message;
  }
  return summary;
}
