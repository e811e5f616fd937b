// Replication between instances and with other clusters: slots, replica clusters, and the
// external clusters that recovery, pg_basebackup, import and replica clusters read from.
import { z } from 'zod';
import { msg, report } from './errors.js';
import { nonEmptyString, plainString, secretKeySelector, stringMap } from './common.js';
import { barmanObjectStoreSchema } from './barman.js';

export const replicationSlotsSchema = z.strictObject({
  highAvailability: z
    .strictObject({
      enabled: z.boolean().default(true),
      slotPrefix: z
        .string()
        .regex(/^[0-9a-z_]*$/)
        .default('_cnpg_'),
      synchronizeLogicalDecoding: z.boolean().default(false),
    })
    .prefault({}),
  updateInterval: z.int().min(1).default(30),
  synchronizeReplicas: z
    .strictObject({
      enabled: z.boolean().default(true),
      excludePatterns: z.array(z.string()).optional(),
    })
    .prefault({}),
});

export const replicaSchema = z
  .strictObject({
    self: nonEmptyString.optional(),
    primary: nonEmptyString.optional(),
    source: nonEmptyString,
    enabled: z.boolean().optional(),
    promotionToken: nonEmptyString.optional(),
    minApplyDelay: nonEmptyString.optional(),
  })
  .superRefine((replica, ctx) => {
    if (replica.minApplyDelay && replica.promotionToken) report(ctx, ['minApplyDelay'], msg.minApplyDelayWithToken());
  });

export const externalClusterSchema = z.strictObject({
  name: nonEmptyString,
  // libpq keywords and values: they end up in a conninfo string (and in primary_conninfo).
  connectionParameters: z.record(z.string().regex(/^[a-z_]+$/), plainString).optional(),
  sslCert: secretKeySelector.optional(),
  sslKey: secretKeySelector.optional(),
  sslRootCert: secretKeySelector.optional(),
  password: secretKeySelector.optional(),
  barmanObjectStore: barmanObjectStoreSchema.optional(),
  plugin: z
    .strictObject({
      name: nonEmptyString,
      enabled: z.boolean().default(true),
      parameters: stringMap.optional(),
    })
    .optional(),
});

export type ExternalCluster = z.infer<typeof externalClusterSchema>;
