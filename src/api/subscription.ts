// Subscription (postgresql.cnpg.io/v1): a CREATE SUBSCRIPTION on a Cluster's primary, to a
// publication of one of the Cluster's externalClusters.
import type { z } from 'zod';
import { plainName } from './common.js';
import { logicalReplicationSchema, pgName, reclaimPolicy } from './logical-replication.js';

/** The subscriber is spec.cluster. */
export const subscriptionSchema = logicalReplicationSchema('Subscription', {
  publicationName: pgName,
  /** The publisher's database; the externalClusters entry's dbname when absent. */
  publicationDBName: pgName.optional(),
  /** The entry of the subscriber Cluster's spec.externalClusters that reaches the publisher. */
  externalClusterName: plainName,
  subscriptionReclaimPolicy: reclaimPolicy,
});

export type Subscription = z.infer<typeof subscriptionSchema>;
