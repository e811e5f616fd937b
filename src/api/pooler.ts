// Pooler (postgresql.cnpg.io/v1): PgBouncer in front of a Cluster's rw, ro or r service.
import { z } from 'zod';
import { CNPG_API_VERSION } from './meta.js';
import { msg, report } from './errors.js';
import { namespacedMetadata } from './meta-schema.js';
import { localObjectReference, nonEmptyString, passthrough, passthroughList, stringMap } from './common.js';

// Settings the operator writes itself: where PgBouncer listens, its files and admin access.
const RESERVED_PGBOUNCER_PARAMETERS = [
  'admin_users',
  'auth_file',
  'auth_hba_file',
  'auth_query',
  'auth_user',
  'client_tls_ca_file',
  'client_tls_cert_file',
  'client_tls_key_file',
  'listen_addr',
  'listen_port',
  'logfile',
  'pidfile',
  'server_tls_ca_file',
  'server_tls_cert_file',
  'server_tls_key_file',
  'unix_socket_dir',
  'unix_socket_group',
  'unix_socket_mode',
];

const pgbouncerSchema = z
  .strictObject({
    // statement pooling breaks multi-statement transactions, so CloudNativePG does not offer it.
    poolMode: z.enum(['session', 'transaction']).default('session'),
    parameters: stringMap.optional(),
    pg_hba: z.array(z.string()).optional(),
    paused: z.boolean().default(false),
    authQuerySecret: localObjectReference.optional(),
    authQuery: nonEmptyString.optional(),
    serverTLSSecret: localObjectReference.optional(),
    serverCASecret: localObjectReference.optional(),
    clientCASecret: localObjectReference.optional(),
    clientTLSSecret: localObjectReference.optional(),
    image: nonEmptyString.optional(),
    imageCatalogRef: passthrough.optional(),
  })
  .superRefine((pgbouncer, ctx) => {
    if (Boolean(pgbouncer.authQuery) !== Boolean(pgbouncer.authQuerySecret)) report(ctx, ['authQuery'], msg.poolerAuthQuery());
    if (pgbouncer.image && pgbouncer.imageCatalogRef) report(ctx, ['image'], msg.mutuallyExclusive(['image', 'imageCatalogRef']));
    for (const name of Object.keys(pgbouncer.parameters ?? {})) {
      if (RESERVED_PGBOUNCER_PARAMETERS.includes(name)) report(ctx, ['parameters', name], msg.reservedPgBouncerParameter(name));
    }
  });

const poolerMonitoringSchema = z.strictObject({
  enablePodMonitor: z.boolean().default(false),
  podMonitorMetricRelabelings: passthroughList.optional(),
  podMonitorRelabelings: passthroughList.optional(),
  tls: z.strictObject({ enabled: z.boolean().default(false) }).optional(),
});

export const poolerSchema = z
  .strictObject({
    apiVersion: z.literal(CNPG_API_VERSION),
    kind: z.literal('Pooler'),
    metadata: namespacedMetadata(),
    spec: z.strictObject({
      cluster: localObjectReference,
      type: z.enum(['rw', 'ro', 'r']).default('rw'),
      instances: z.int().min(0).default(1),
      template: passthrough.optional(),
      pgbouncer: pgbouncerSchema.prefault({}),
      deploymentStrategy: passthrough.optional(),
      monitoring: poolerMonitoringSchema.optional(),
      serviceTemplate: passthrough.optional(),
      serviceAccountName: nonEmptyString.optional(),
    }),
  })
  .superRefine((pooler, ctx) => {
    // The pooler's Service is named after it, which would clash with the cluster's own objects.
    if (pooler.spec.cluster.name === pooler.metadata.name) {
      report(ctx, ['spec', 'cluster', 'name'], msg.poolerSameNameAsCluster(pooler.metadata.name));
    }
  });

export type Pooler = z.infer<typeof poolerSchema>;
