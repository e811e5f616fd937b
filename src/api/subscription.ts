// Subscription (postgresql.cnpg.io/v1): a CREATE SUBSCRIPTION on a Cluster's primary, to a
// publication of one of the Cluster's externalClusters.
import { z } from 'zod';
import { CNPG_API_VERSION } from './meta.js';
import { namespacedMetadata } from './meta-schema.js';
import { localObjectReference, plainName } from './common.js';
import { pgName, reclaimPolicy, withParameters } from './logical-replication.js';

export const subscriptionSchema = z.strictObject({
  apiVersion: z.literal(CNPG_API_VERSION),
  kind: z.literal('Subscription'),
  metadata: namespacedMetadata(),
  spec: z.strictObject({
    /** The subscriber. */
    cluster: localObjectReference,
    name: pgName,
    dbname: pgName,
    parameters: withParameters.optional(),
    publicationName: pgName,
    /** The publisher's database; the externalClusters entry's dbname when absent. */
    publicationDBName: pgName.optional(),
    /** The entry of the subscriber Cluster's spec.externalClusters that reaches the publisher. */
    externalClusterName: plainName,
    subscriptionReclaimPolicy: reclaimPolicy,
  }),
});

export type Subscription = z.infer<typeof subscriptionSchema>;
