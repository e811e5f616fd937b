// Database (postgresql.cnpg.io/v1): one PostgreSQL database of a Cluster, with the extensions and
// schemas inside it, kept as declared by the operator on the cluster's primary.
import { z } from 'zod';
import { CNPG_API_VERSION } from './meta.js';
import { msg, report } from './errors.js';
import { namespacedMetadata } from './meta-schema.js';
import { findDuplicates, localObjectReference, plainName, plainString } from './common.js';

/** Databases PostgreSQL itself needs: a Database object may neither create nor drop them. */
export const RESERVED_DATABASES: readonly string[] = ['postgres', 'template0', 'template1'];

/** A name PostgreSQL stores as an identifier: longer ones would be truncated to another name. */
const identifier = plainName.superRefine((name, ctx) => {
  if (Buffer.byteLength(name) > 63) report(ctx, [], msg.identifierTooLong(name));
});

const ensure = z.enum(['present', 'absent']).default('present');

const schemaSpec = z.strictObject({ name: identifier, ensure, owner: identifier.optional() });
const extensionSpec = z.strictObject({ name: identifier, ensure, version: plainName.optional(), schema: identifier.optional() });

const optionSpec = z.strictObject({ name: identifier, value: plainString, ensure });
const usageSpec = z.strictObject({ name: identifier, type: z.enum(['grant', 'revoke']).default('grant') });
const fdwSpec = z.strictObject({
  name: identifier,
  ensure,
  handler: plainName.optional(),
  validator: plainName.optional(),
  owner: identifier.optional(),
  options: z.array(optionSpec).optional(),
  usage: z.array(usageSpec).optional(),
});
const serverSpec = z.strictObject({
  name: identifier,
  ensure,
  fdw: identifier,
  options: z.array(optionSpec).optional(),
  usage: z.array(usageSpec).optional(),
});

/** Each list names an object once: two entries for one name would fight over it. */
function uniqueNames(what: string, field: string) {
  return (items: readonly { name: string }[] | undefined, ctx: z.RefinementCtx) => {
    for (const { index, first } of findDuplicates(items ?? [], (item) => item.name)) {
      report(ctx, [field, index, 'name'], msg.duplicate(what, items?.[index]?.name, first));
    }
  };
}

export const databaseSpecSchema = z
  .strictObject({
    cluster: localObjectReference,
    ensure,
    name: identifier,
    owner: identifier,
    template: identifier.optional(),
    encoding: plainName.optional(),
    locale: plainName.optional(),
    localeProvider: plainName.optional(),
    localeCollate: plainName.optional(),
    localeCType: plainName.optional(),
    icuLocale: plainName.optional(),
    icuRules: plainName.optional(),
    builtinLocale: plainName.optional(),
    collationVersion: plainName.optional(),
    isTemplate: z.boolean().optional(),
    allowConnections: z.boolean().optional(),
    connectionLimit: z.int().min(-1).optional(),
    tablespace: identifier.optional(),
    databaseReclaimPolicy: z.enum(['retain', 'delete']).default('retain'),
    schemas: z.array(schemaSpec).optional(),
    extensions: z.array(extensionSpec).optional(),
    fdws: z.array(fdwSpec).optional(),
    servers: z.array(serverSpec).optional(),
  })
  .superRefine((spec, ctx) => {
    if (RESERVED_DATABASES.includes(spec.name)) report(ctx, ['name'], msg.reservedDatabase(spec.name));
    for (const field of ['icuLocale', 'icuRules'] as const) {
      if (spec[field] !== undefined && spec.localeProvider !== 'icu') report(ctx, [field], msg.localeProviderRequired('icu'));
    }
    if (spec.builtinLocale !== undefined && spec.localeProvider !== 'builtin') report(ctx, ['builtinLocale'], msg.localeProviderRequired('builtin'));
    uniqueNames('schema', 'schemas')(spec.schemas, ctx);
    uniqueNames('extension', 'extensions')(spec.extensions, ctx);
    uniqueNames('foreign data wrapper', 'fdws')(spec.fdws, ctx);
    uniqueNames('server', 'servers')(spec.servers, ctx);
  });

export const databaseSchema = z.strictObject({
  apiVersion: z.literal(CNPG_API_VERSION),
  kind: z.literal('Database'),
  metadata: namespacedMetadata(),
  spec: databaseSpecSchema,
});

export type Database = z.infer<typeof databaseSchema>;
export type DatabaseSpec = Database['spec'];

/** Fields CREATE DATABASE takes once: changing them would need a new database. */
export const IMMUTABLE_DATABASE_FIELDS = [
  'cluster',
  'name',
  'template',
  'encoding',
  'locale',
  'localeProvider',
  'localeCollate',
  'localeCType',
  'icuLocale',
  'icuRules',
  'builtinLocale',
  'collationVersion',
] as const;

const objectStatus = z.strictObject({ name: z.string(), applied: z.boolean(), message: z.string().optional() });
export type DatabaseObjectStatus = z.infer<typeof objectStatus>;

/** What the operator reports on a Database, with CloudNativePG's field names. */
export const databaseStatusSchema = z.strictObject({
  observedGeneration: z.int().optional(),
  applied: z.boolean().optional(),
  message: z.string().optional(),
  schemas: z.array(objectStatus).optional(),
  extensions: z.array(objectStatus).optional(),
  fdws: z.array(objectStatus).optional(),
  servers: z.array(objectStatus).optional(),
});
export type DatabaseStatus = z.infer<typeof databaseStatusSchema>;
