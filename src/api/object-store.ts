// ObjectStore (barmancloud.cnpg.io/v1, the Barman Cloud plugin's kind): a backup destination and
// its credentials, which Clusters name through spec.plugins and externalClusters[].plugin.
import { z } from 'zod';
import { BARMAN_CLOUD_API_VERSION } from './meta.js';
import { msg, report } from './errors.js';
import { namespacedMetadata } from './meta-schema.js';
import { passthroughList } from './common.js';
import { barmanObjectStoreSchema } from './barman.js';
import { resourceRequirementsSchema } from './resources.js';
import { retentionPolicySchema } from './cluster-backup.js';

export { BARMAN_CLOUD_API_VERSION };


// The plugin's sidecar settings. Here the instance manager itself archives and backs up, so there
// is no sidecar: see NOT_ACTED_ON in support.ts for what is kept without effect.
const instanceSidecarConfigurationSchema = z.strictObject({
  env: passthroughList.optional(),
  retentionPolicyIntervalSeconds: z.int().min(0).default(1800),
  resources: resourceRequirementsSchema.optional(),
  additionalContainerArgs: z
    .array(z.string())
    .superRefine((args, ctx) => {
      args.forEach((arg, index) => {
        if (arg.startsWith('--log-level')) report(ctx, [index], msg.sidecarLogLevelArgument());
      });
    })
    .optional(),
  logLevel: z.enum(['error', 'warning', 'info', 'debug', 'trace']).default('info'),
});

// The same configuration as a Cluster's spec.backup.barmanObjectStore, except that the server
// folder is the Cluster's business (its plugin parameter serverName), as in the plugin's CRD.
const configurationSchema = barmanObjectStoreSchema.superRefine((store, ctx) => {
  if (store.serverName !== undefined) report(ctx, ['serverName'], msg.objectStoreServerName());
});

export const objectStoreSchema = z.strictObject({
  apiVersion: z.literal(BARMAN_CLOUD_API_VERSION),
  kind: z.literal('ObjectStore'),
  metadata: namespacedMetadata(),
  spec: z.strictObject({
    configuration: configurationSchema,
    retentionPolicy: retentionPolicySchema.optional(),
    instanceSidecarConfiguration: instanceSidecarConfigurationSchema.optional(),
  }),
});

export type ObjectStore = z.infer<typeof objectStoreSchema>;

/** One server's recovery window, as the plugin reports it (RFC 3339 times). */
export const recoveryWindowSchema = z.strictObject({
  firstRecoverabilityPoint: z.string().optional(),
  lastSuccessfulBackupTime: z.string().optional(),
  lastFailedBackupTime: z.string().optional(),
});

export const objectStoreStatusSchema = z.strictObject({
  serverRecoveryWindow: z.record(z.string(), recoveryWindowSchema).optional(),
});

export type RecoveryWindow = z.infer<typeof recoveryWindowSchema>;
export type ObjectStoreStatus = z.infer<typeof objectStoreStatusSchema>;
export type StoredObjectStore = ObjectStore & { status?: ObjectStoreStatus };
