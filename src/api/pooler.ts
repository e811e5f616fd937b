// Pooler (postgresql.cnpg.io/v1): PgBouncer in front of a Cluster's rw, ro or r service.
import { z } from 'zod';
import { CNPG_API_VERSION, DEFAULT_NAMESPACE } from './meta.js';
import { msg, report, type ValidationIssue } from './errors.js';
import type { KubeObject } from './meta.js';
import { namespacedMetadata } from './meta-schema.js';
import { localObjectReference, nonEmptyString, passthrough, passthroughList, plainString } from './common.js';
import { PGBOUNCER_PARAMETERS, pgbouncerParameterVerdict, refusedPgBouncerValue } from './pgbouncer-parameters.js';

const pgbouncerSchema = z
  .strictObject({
    // statement pooling breaks multi-statement transactions, so CloudNativePG does not offer it.
    poolMode: z.enum(['session', 'transaction']).default('session'),
    // Values end up in pgbouncer.ini: a control character there could only start another line.
    parameters: z.record(z.string(), plainString).optional(),
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
    for (const [name, value] of Object.entries(pgbouncer.parameters ?? {})) {
      const verdict = pgbouncerParameterVerdict(name);
      if (verdict.allowed) {
        const instead = refusedPgBouncerValue(name, value);
        if (instead) report(ctx, ['parameters', name], msg.refusedPgBouncerValue(name, value, instead));
        continue;
      }
      if (verdict.owner === 'operator') report(ctx, ['parameters', name], msg.reservedPgBouncerParameter(name, verdict.reason));
      else report(ctx, ['parameters', name], msg.unknownPgBouncerParameter(name, PGBOUNCER_PARAMETERS), PGBOUNCER_PARAMETERS);
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

/** A Secret the pooler uses and the resourceVersion it was read at, so a change of it is noticed. */
const secretVersion = z.strictObject({ name: z.string().optional(), version: z.string().optional() });

/** What the operator reports on a Pooler, with CloudNativePG's field names. */
export const poolerStatusSchema = z.strictObject({
  secrets: z
    .strictObject({
      clientTLS: secretVersion.optional(),
      serverTLS: secretVersion.optional(),
      serverCA: secretVersion.optional(),
      clientCA: secretVersion.optional(),
      pgBouncerSecrets: z.strictObject({ authQuery: secretVersion.optional() }).optional(),
    })
    .optional(),
  /** PgBouncers running; the scale subresource reads it. */
  instances: z.int().min(0).optional(),
  /** Of those, the ones running the current configuration and ready (this operator's addition). */
  readyInstances: z.int().min(0).optional(),
  /** Where clients connect: locally a port on 127.0.0.1, on Kubernetes the Service's DNS name (this operator's addition). */
  localEndpoint: z.strictObject({ host: z.string(), port: z.int() }).optional(),
  phase: z.enum(['active', 'paused', 'inactive', 'failed']).optional(),
  /** Why the phase is what it is, for a person reading `kubectl describe`. */
  phaseReason: z.string().optional(),
  image: z.string().optional(),
  /** The latest validation error, when the Pooler was stored without admission checks. */
  error: z.string().optional(),
});

export type PoolerStatus = z.infer<typeof poolerStatusSchema>;
export type PoolerPhase = NonNullable<PoolerStatus['phase']>;

/**
 * A Pooler's Deployment, Service, ServiceAccount and Role are named after it, and a Cluster's
 * objects after the Cluster, so a Pooler and a Cluster of one namespace may not share a name. The
 * rule needs the stored objects, so it is checked where an object is admitted (the local API and
 * the validating webhook), on creation: an object stored before the rule can still be updated.
 */
export function nameRivalKind(kind: string): 'Cluster' | 'Pooler' | undefined {
  return kind === 'Pooler' ? 'Cluster' : kind === 'Cluster' ? 'Pooler' : undefined;
}

/** The refusal for `resource`, whose name is taken by an object of nameRivalKind(resource.kind). */
export function nameClashIssue(resource: KubeObject): ValidationIssue {
  const { name, namespace = DEFAULT_NAMESPACE } = resource.metadata;
  const message = resource.kind === 'Pooler' ? msg.poolerNamedLikeCluster(name, namespace) : msg.clusterNamedLikePooler(name, namespace);
  return { kind: resource.kind, name, path: 'metadata.name', message };
}
