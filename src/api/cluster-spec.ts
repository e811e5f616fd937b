// Cluster .spec: every field CloudNativePG defines, with its defaults. Cross-field rules live in
// cluster-checks.ts.
import { z } from 'zod';
import {
  localObjectReference,
  nonEmptyString,
  passthrough,
  passthroughList,
  seconds,
  stringMap,
} from './common.js';
import { imageCatalogRefSchema } from './image.js';
import { postgresConfigurationSchema } from './cluster-postgres.js';
import { bootstrapSchema } from './cluster-bootstrap.js';
import { backupConfigurationSchema } from './cluster-backup.js';
import { ephemeralVolumesSizeLimitSchema, storageSchema, tablespaceSchema } from './cluster-storage.js';
import { resourceRequirementsSchema } from './resources.js';
import { affinitySchema, probesSchema } from './cluster-pods.js';
import { monitoringSchema } from './cluster-monitoring.js';
import { externalClusterSchema, replicaSchema, replicationSlotsSchema } from './cluster-replication.js';
import { managedSchema } from './cluster-managed.js';
import { podSelectorRefSchema } from './pod-selectors.js';

const certificatesSchema = z.strictObject({
  serverCASecret: nonEmptyString.optional(),
  serverTLSSecret: nonEmptyString.optional(),
  replicationTLSSecret: nonEmptyString.optional(),
  clientCASecret: nonEmptyString.optional(),
  serverAltDNSNames: z.array(nonEmptyString).optional(),
});

const pluginSchema = z.strictObject({
  name: nonEmptyString,
  enabled: z.boolean().default(true),
  isWALArchiver: z.boolean().default(false),
  parameters: stringMap.optional(),
});

const primaryLeaseSchema = z.strictObject({
  leaseDurationSeconds: z.int().min(1).default(15),
  renewDeadlineSeconds: z.int().min(1).default(10),
  retryPeriodSeconds: z.int().min(1).default(2),
  releasedLeaseDurationSeconds: z.int().min(0).default(1),
});

export const clusterSpecSchema = z.strictObject({
  description: z.string().optional(),
  inheritedMetadata: z.strictObject({ labels: stringMap.optional(), annotations: stringMap.optional() }).optional(),
  // Left unset when omitted: locally, "no image" means the default PostgreSQL found on the machine.
  imageName: nonEmptyString.optional(),
  imageCatalogRef: imageCatalogRefSchema.optional(),
  imagePullPolicy: z.enum(['Always', 'Never', 'IfNotPresent']).optional(),
  imagePullSecrets: z.array(localObjectReference).optional(),
  schedulerName: z.string().optional(),
  postgresUID: z.int().min(0).default(26),
  postgresGID: z.int().min(0).default(26),
  instances: z.int().min(1).default(1),
  minSyncReplicas: z.int().min(0).default(0),
  maxSyncReplicas: z.int().min(0).default(0),
  postgresql: postgresConfigurationSchema.prefault({}),
  podSelectorRefs: z.array(podSelectorRefSchema).optional(),
  replicationSlots: replicationSlotsSchema.prefault({}),
  bootstrap: bootstrapSchema.prefault({}),
  replica: replicaSchema.optional(),
  superuserSecret: localObjectReference.optional(),
  enableSuperuserAccess: z.boolean().default(false),
  certificates: certificatesSchema.optional(),
  storage: storageSchema.optional(),
  walStorage: storageSchema.optional(),
  tablespaces: z.array(tablespaceSchema).optional(),
  ephemeralVolumeSource: passthrough.optional(),
  ephemeralVolumesSizeLimit: ephemeralVolumesSizeLimitSchema.optional(),
  serviceAccountTemplate: passthrough.optional(),
  serviceAccountName: nonEmptyString.optional(),
  startDelay: seconds(3600),
  stopDelay: seconds(1800),
  smartShutdownTimeout: seconds(180),
  switchoverDelay: seconds(3600),
  failoverDelay: seconds(0),
  livenessProbeTimeout: z.int().min(0).optional(),
  affinity: affinitySchema.prefault({}),
  topologySpreadConstraints: passthroughList.optional(),
  resources: resourceRequirementsSchema.optional(),
  priorityClassName: z.string().optional(),
  primaryUpdateStrategy: z.enum(['unsupervised', 'supervised']).default('unsupervised'),
  primaryUpdateMethod: z.enum(['restart', 'switchover']).default('restart'),
  backup: backupConfigurationSchema.optional(),
  nodeMaintenanceWindow: z
    .strictObject({ reusePVC: z.boolean().default(true), inProgress: z.boolean().default(false) })
    .optional(),
  monitoring: monitoringSchema.optional(),
  externalClusters: z.array(externalClusterSchema).optional(),
  logLevel: z.enum(['error', 'warning', 'info', 'debug', 'trace']).default('info'),
  projectedVolumeTemplate: passthrough.optional(),
  env: passthroughList.optional(),
  envFrom: passthroughList.optional(),
  managed: managedSchema.optional(),
  seccompProfile: passthrough.optional(),
  podSecurityContext: passthrough.optional(),
  securityContext: passthrough.optional(),
  enablePDB: z.boolean().default(true),
  plugins: z.array(pluginSchema).optional(),
  probes: probesSchema.optional(),
  primaryLease: primaryLeaseSchema.optional(),
});
