// Backup (postgresql.cnpg.io/v1): one on-demand base backup of a Cluster.
import { z } from 'zod';
import { CNPG_API_VERSION } from './meta.js';
import { msg, report } from './errors.js';
import { checkPluginEntry } from './barman-plugin.js';
import { namespacedMetadata } from './meta-schema.js';
import type { BackupVerification } from './backup-verification.js';
import { backupMethod, backupTarget, localObjectReference, onlineConfiguration, pluginConfiguration } from './common.js';

interface MethodFields {
  method: z.infer<typeof backupMethod>;
  pluginConfiguration?: { name: string; parameters?: Record<string, string> | undefined } | undefined;
  online?: boolean | undefined;
  onlineConfiguration?: unknown;
}

/** Method-specific requirements, shared with ScheduledBackup (which stamps out Backups). */
export function checkBackupMethod(spec: MethodFields, ctx: z.RefinementCtx): void {
  if (spec.method === 'plugin' && !spec.pluginConfiguration) report(ctx, ['pluginConfiguration'], msg.backupPluginConfiguration());
  // The ObjectStore is the Cluster's (spec.plugins): a Backup names the plugin, nothing more.
  if (spec.pluginConfiguration) checkPluginEntry(spec.pluginConfiguration, ['pluginConfiguration'], ctx, false);
  if (spec.method !== 'volumeSnapshot') {
    for (const field of ['online', 'onlineConfiguration'] as const) {
      if (spec[field] !== undefined) report(ctx, [field], msg.backupOnlineOnlyForSnapshots(field));
    }
  }
}

export const backupMethodFields = {
  // Unset means "use the Cluster's spec.backup.target".
  target: backupTarget.optional(),
  method: backupMethod.default('barmanObjectStore'),
  pluginConfiguration: pluginConfiguration.optional(),
  online: z.boolean().optional(),
  onlineConfiguration: onlineConfiguration.optional(),
};

export const backupSchema = z.strictObject({
  apiVersion: z.literal(CNPG_API_VERSION),
  kind: z.literal('Backup'),
  metadata: namespacedMetadata(),
  spec: z.strictObject({ cluster: localObjectReference, ...backupMethodFields }).superRefine(checkBackupMethod),
});

export type Backup = z.infer<typeof backupSchema>;

/** Backup .status as the operator writes it; field names are CloudNativePG's. */
export interface BackupStatus {
  /** `finalizing`: a volume snapshot backup's snapshots are cut and the instance let go; waiting for readyToUse. */
  phase?: 'pending' | 'started' | 'running' | 'finalizing' | 'completed' | 'failed' | 'walArchivingFailing';
  method?: string;
  backupName?: string;
  backupId?: string;
  destinationPath?: string;
  serverName?: string;
  endpointURL?: string;
  s3Credentials?: unknown;
  azureCredentials?: unknown;
  googleCredentials?: unknown;
  endpointCA?: unknown;
  instanceID?: { podName: string };
  beginWal?: string;
  endWal?: string;
  beginLSN?: string;
  endLSN?: string;
  timeline?: number;
  startedAt?: string;
  stoppedAt?: string;
  error?: string;
  majorVersion?: number;
  /** cnpg-ts's own: the last restore drill of this backup (api/backup-verification.ts). */
  verification?: BackupVerification;
  /** method volumeSnapshot: whether PostgreSQL stayed up in backup mode, and the snapshots taken. */
  online?: boolean;
  snapshotBackupStatus?: { elements: { name: string; type: string; tablespaceName?: string }[] };
  /** Named by CloudNativePG's plugins; `cnpg_volumesnapshot` holds the first snapshot error's time (operator/snapshot-deadline.ts). */
  pluginMetadata?: Record<string, string>;
}

export type StoredBackup = Backup & { status?: BackupStatus };
