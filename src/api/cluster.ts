// Cluster (postgresql.cnpg.io/v1): a PostgreSQL primary with its standbys. Field names and
// defaults follow CloudNativePG so that its manifests apply unchanged.
import { z } from 'zod';
import { CNPG_API_VERSION } from './meta.js';
import { namespacedMetadata, type NameRule, labelName } from './meta-schema.js';
import { msg } from './errors.js';
import { clusterSpecSchema } from './cluster-spec.js';
import { checkCluster } from './cluster-checks.js';

// Instance, job and service names are built from the cluster name, so it must be a DNS label
// short enough to take suffixes such as "-1-full-recovery" or "-rw".
const clusterName: NameRule = (name) => (name.length > 50 ? msg.clusterNameTooLong(name) : labelName(name));

export const clusterSchema = z
  .strictObject({
    apiVersion: z.literal(CNPG_API_VERSION),
    kind: z.literal('Cluster'),
    metadata: namespacedMetadata(clusterName),
    spec: clusterSpecSchema,
  })
  .superRefine(checkCluster);

export type Cluster = z.infer<typeof clusterSchema>;
export type ClusterSpec = Cluster['spec'];
