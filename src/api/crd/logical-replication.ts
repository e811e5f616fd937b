// The Publication and Subscription CRDs beside their schemas: CloudNativePG's printer columns and
// its immutability rules. Checked against CrdDefinition and CelRule where definitions.ts and
// validations.ts take them in.
import { publicationSchema } from '../publication.js';
import { subscriptionSchema } from '../subscription.js';
import { logicalReplicationStatusSchema } from '../logical-replication.js';

/** CloudNativePG's columns of the kinds that declare one PostgreSQL object: Database, Publication, Subscription. */
export const declaredObjectColumns = [
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  { name: 'Cluster', type: 'string', jsonPath: '.spec.cluster.name' },
  { name: 'PG Name', type: 'string', jsonPath: '.spec.name' },
  { name: 'Applied', type: 'boolean', jsonPath: '.status.applied' },
  { name: 'Message', type: 'string', jsonPath: '.status.message', description: 'Latest reconciliation message' },
] as const;

export const LOGICAL_REPLICATION_CRDS = [
  {
    kind: 'Publication',
    schema: publicationSchema,
    description: "A PostgreSQL publication in a database of a Cluster, created on its primary.",
    columns: declaredObjectColumns,
    hasStatus: true,
    status: logicalReplicationStatusSchema,
  },
  {
    kind: 'Subscription',
    schema: subscriptionSchema,
    description: "A PostgreSQL subscription in a database of a Cluster to a publication of one of its externalClusters.",
    columns: declaredObjectColumns,
    hasStatus: true,
    status: logicalReplicationStatusSchema,
  },
] as const;

const immutable = (kind: 'Publication' | 'Subscription', field: string, message: string) => ({ kind, path: ['spec', field], rule: 'self == oldSelf', message });

export const LOGICAL_REPLICATION_CEL_RULES = [
  ...(['Publication', 'Subscription'] as const).flatMap((kind) => [
    immutable(kind, 'cluster', 'cluster reference is immutable after creation'),
    immutable(kind, 'name', 'name is immutable'),
    immutable(kind, 'dbname', 'dbname is immutable'),
  ]),
  { kind: 'Publication', path: ['spec', 'target', 'allTables'], rule: 'self == oldSelf', message: 'allTables is immutable' },
  {
    kind: 'Publication',
    path: ['spec', 'target'],
    rule: '(has(self.allTables) && !has(self.objects)) || (!has(self.allTables) && has(self.objects))',
    message: 'allTables and objects are mutually exclusive',
  },
] as const;
