// spec.backup: continuous archiving and base backup settings of a Cluster.
import { z } from 'zod';
import { msg } from './errors.js';
import { backupTarget, onlineConfiguration, stringMap } from './common.js';
import { barmanObjectStoreSchema } from './barman.js';

const RETENTION_POLICY = /^[1-9][0-9]*[dwm]$/;

/** Days, weeks or months of recovery window (barman's RECOVERY WINDOW OF …). */
export const retentionPolicySchema = z.string().regex(RETENTION_POLICY, { error: (issue) => msg.retentionPolicy(issue.input) });

const volumeSnapshotSchema = z.strictObject({
  className: z.string().optional(),
  walClassName: z.string().optional(),
  tablespaceClassName: stringMap.optional(),
  labels: stringMap.optional(),
  annotations: stringMap.optional(),
  snapshotOwnerReference: z.enum(['none', 'cluster', 'backup']).default('none'),
  online: z.boolean().default(true),
  onlineConfiguration: onlineConfiguration.prefault({}),
});

export const backupConfigurationSchema = z.strictObject({
  barmanObjectStore: barmanObjectStoreSchema.optional(),
  retentionPolicy: retentionPolicySchema.optional(),
  target: backupTarget.default('prefer-standby'),
  volumeSnapshot: volumeSnapshotSchema.optional(),
});
