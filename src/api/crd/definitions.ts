// What each CustomResourceDefinition says beside its schema: names, scope, printer columns and
// subresources, following CloudNativePG's CRDs so that `kubectl get` output looks the same.
import type { z } from 'zod';
import { KINDS, type KnownKind } from '../kinds.js';
import { clusterSchema } from '../cluster.js';
import { backupSchema } from '../backup.js';
import { scheduledBackupSchema } from '../scheduled-backup.js';
import { poolerSchema, poolerStatusSchema } from '../pooler.js';
import { databaseSchema, databaseStatusSchema } from '../database.js';
import { clusterImageCatalogSchema, imageCatalogSchema } from '../image-catalog.js';
import { declaredObjectColumns, LOGICAL_REPLICATION_CRDS } from './logical-replication.js';
import { objectStoreSchema, objectStoreStatusSchema } from '../object-store.js';

export interface PrinterColumn {
  name: string;
  type: 'date' | 'integer' | 'string' | 'boolean';
  jsonPath: string;
  description?: string;
}

export interface CrdDefinition {
  kind: KnownKind;
  schema: z.ZodType;
  description: string;
  /** CloudNativePG gives some kinds none (Publication, Subscription). */
  shortName?: string;
  columns: readonly PrinterColumn[];
  /** Kinds the operator reports on get a status subresource, so spec writers cannot clobber it. */
  hasStatus: boolean;
  /** The status fields' types, where they are described (others are kept as written). */
  status?: z.ZodType;
  /** Lets `kubectl scale` and autoscalers change `.spec.instances`. */
  scale?: { labelSelectorPath?: string };
}

const age: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };
const cluster: PrinterColumn = { name: 'Cluster', type: 'string', jsonPath: '.spec.cluster.name' };

export const CRD_DEFINITIONS: readonly CrdDefinition[] = [
  {
    kind: 'Cluster',
    schema: clusterSchema,
    description: 'A PostgreSQL primary with its standby instances.',
    shortName: 'pgcluster',
    columns: [
      age,
      { name: 'Instances', type: 'integer', jsonPath: '.status.instances' },
      { name: 'Ready', type: 'integer', jsonPath: '.status.readyInstances' },
      { name: 'Status', type: 'string', jsonPath: '.status.phase' },
      { name: 'Primary', type: 'string', jsonPath: '.status.currentPrimary' },
    ],
    hasStatus: true,
    scale: { labelSelectorPath: '.status.selector' },
  },
  {
    kind: 'Backup',
    schema: backupSchema,
    description: 'One on-demand base backup of a Cluster.',
    shortName: 'pgbackup',
    columns: [
      age,
      cluster,
      { name: 'Method', type: 'string', jsonPath: '.spec.method' },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      { name: 'Error', type: 'string', jsonPath: '.status.error' },
    ],
    hasStatus: true,
  },
  {
    kind: 'ScheduledBackup',
    schema: scheduledBackupSchema,
    description: 'Creates Backups of a Cluster on a six-field (seconds first) cron schedule.',
    shortName: 'pgschedule',
    columns: [age, cluster, { name: 'Last Backup', type: 'date', jsonPath: '.status.lastScheduleTime' }],
    hasStatus: true,
  },
  {
    kind: 'Pooler',
    schema: poolerSchema,
    description: "PgBouncer in front of a Cluster's rw, ro or r service.",
    shortName: 'pgpooler',
    columns: [age, cluster, { name: 'Type', type: 'string', jsonPath: '.spec.type' }, { name: 'Phase', type: 'string', jsonPath: '.status.phase' }],
    hasStatus: true,
    status: poolerStatusSchema,
    // `kubectl scale pooler X --replicas=N` sets spec.instances, as on CloudNativePG.
    scale: {},
  },
  {
    kind: 'Database',
    schema: databaseSchema,
    description: 'A PostgreSQL database of a Cluster, with its extensions and schemas.',
    columns: declaredObjectColumns,
    hasStatus: true,
    status: databaseStatusSchema,
  },
  {
    kind: 'ImageCatalog',
    schema: imageCatalogSchema,
    description: 'Which image runs each PostgreSQL major version, for Clusters in this namespace.',
    shortName: 'pgcatalog',
    columns: [age],
    hasStatus: false,
  },
  {
    kind: 'ClusterImageCatalog',
    schema: clusterImageCatalogSchema,
    description: 'Which image runs each PostgreSQL major version, for Clusters in any namespace.',
    shortName: 'pgclustercatalog',
    columns: [age],
    hasStatus: false,
  },
  ...LOGICAL_REPLICATION_CRDS,
  {
    kind: 'ObjectStore',
    schema: objectStoreSchema,
    description: 'A backup destination of the Barman Cloud plugin, named by Clusters in spec.plugins and externalClusters[].plugin.',
    columns: [age],
    hasStatus: true,
    status: objectStoreStatusSchema,
  },
];

/** A kind's API group and version (ObjectStore is the Barman Cloud plugin's, not CloudNativePG's). */
export function groupVersion(kind: KnownKind): { group: string; version: string } {
  const [group = '', version = ''] = KINDS[kind].apiVersion.split('/');
  return { group, version };
}
