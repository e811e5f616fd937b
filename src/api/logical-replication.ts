// What Publication and Subscription (postgresql.cnpg.io/v1) share: PostgreSQL object names, the
// WITH-clause parameters, the reclaim policy and the status the operator writes.
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { CNPG_API_VERSION, type KubeObject } from './meta.js';
import { namespacedMetadata } from './meta-schema.js';
import { msg, type Finding } from './errors.js';
import { localObjectReference, plainName, plainString } from './common.js';

/**
 * A PostgreSQL object name (publication, subscription, database, table, column, schema). It is
 * quoted as an identifier wherever it reaches SQL; a control character is refused before that.
 */
export const pgName = plainName;

/** The WITH clause: names quoted as identifiers, values as literals. */
export const withParameters = z.record(plainName, plainString);

/** retain (default): deleting the object leaves the PostgreSQL object; delete drops it. */
export const reclaimPolicy = z.enum(['delete', 'retain']).default('retain');

/** CloudNativePG's status of both kinds. */
export const logicalReplicationStatusSchema = z.strictObject({
  /** The metadata.generation this status describes. */
  observedGeneration: z.int().optional(),
  /** True once the object was created or altered as the spec says; false after a failure. */
  applied: z.boolean().optional(),
  /** The latest reconciliation's error, empty once it succeeded. */
  message: z.string().optional(),
});

export type LogicalReplicationStatus = z.infer<typeof logicalReplicationStatusSchema>;

/**
 * What an update may not change, as CloudNativePG's CEL rules say: the PostgreSQL object is found
 * by cluster, database and name, so changing one would leave the old object behind unmanaged.
 */
export function logicalReplicationChanges(old: KubeObject, next: KubeObject): Finding[] {
  const before = (old.spec ?? {}) as Record<string, unknown>;
  const after = (next.spec ?? {}) as Record<string, unknown>;
  const findings: Finding[] = [];
  for (const field of IMMUTABLE) {
    if (!isDeepStrictEqual(before[field], after[field])) findings.push({ path: `spec.${field}`, message: msg.immutable(field) });
  }
  if (next.kind === 'Publication') {
    const allTables = (spec: Record<string, unknown>) => (spec.target as { allTables?: boolean } | undefined)?.allTables ?? false;
    if (allTables(before) !== allTables(after)) findings.push({ path: 'spec.target.allTables', message: msg.immutable('allTables') });
  }
  return findings;
}

const IMMUTABLE = ['cluster', 'name', 'dbname'] as const;

/** Both kinds: the Cluster, the PostgreSQL object's name and database, its WITH clause, and their own fields. */
export function logicalReplicationSchema<K extends 'Publication' | 'Subscription', S extends z.ZodRawShape>(kind: K, spec: S) {
  return z.strictObject({
    apiVersion: z.literal(CNPG_API_VERSION),
    kind: z.literal(kind),
    metadata: namespacedMetadata(),
    spec: z.strictObject({ cluster: localObjectReference, name: pgName, dbname: pgName, parameters: withParameters.optional(), ...spec }),
  });
}
