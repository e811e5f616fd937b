// What the operator sends the primary's manager about a Database object, as checked on arrival:
// the manager's routes take only these shapes (protocol.ts), whoever holds the token.
import { z } from 'zod';

const name = z.string().min(1).max(63);
const setting = z.discriminatedUnion('field', [
  z.strictObject({ field: z.literal('owner'), value: name }),
  z.strictObject({ field: z.literal('allowConnections'), value: z.boolean() }),
  z.strictObject({ field: z.literal('connectionLimit'), value: z.int().min(-1) }),
  z.strictObject({ field: z.literal('isTemplate'), value: z.boolean() }),
  z.strictObject({ field: z.literal('tablespace'), value: name }),
]);
const text = z.string().min(1);
const createOptions = z.strictObject({
  owner: name,
  template: name.optional(),
  encoding: text.optional(),
  locale: text.optional(),
  localeProvider: text.optional(),
  localeCollate: text.optional(),
  localeCType: text.optional(),
  icuLocale: text.optional(),
  icuRules: text.optional(),
  builtinLocale: text.optional(),
  collationVersion: text.optional(),
  isTemplate: z.boolean().optional(),
  allowConnections: z.boolean().optional(),
  connectionLimit: z.int().min(-1).optional(),
  tablespace: name.optional(),
});
const option = z.string().refine((v) => !v.includes('\0'), 'no NUL byte');
const optionChange = z.discriminatedUnion('op', [
  z.strictObject({ op: z.enum(['add', 'set']), name, value: option }),
  z.strictObject({ op: z.literal('drop'), name }),
]);
const optionChanges = z.array(optionChange).max(1000);
const foreignObject = z.enum(['fdw', 'server']);
const actionSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('createDatabase'), database: name, options: createOptions }),
  z.strictObject({ kind: z.literal('alterDatabase'), database: name, setting }),
  z.strictObject({ kind: z.literal('dropDatabase'), database: name }),
  z.strictObject({ kind: z.literal('createExtension'), database: name, name, version: text.optional(), schema: name.optional() }),
  z.strictObject({ kind: z.literal('updateExtension'), database: name, name, version: text }),
  z.strictObject({ kind: z.literal('setExtensionSchema'), database: name, name, schema: name }),
  z.strictObject({ kind: z.literal('dropExtension'), database: name, name }),
  z.strictObject({ kind: z.literal('createSchema'), database: name, name, owner: name.optional() }),
  z.strictObject({ kind: z.literal('alterSchemaOwner'), database: name, name, owner: name }),
  z.strictObject({ kind: z.literal('dropSchema'), database: name, name }),
  z.strictObject({ kind: z.literal('createFdw'), database: name, name, handler: text.optional(), validator: text.optional(), options: optionChanges }),
  z.strictObject({ kind: z.literal('alterFdw'), database: name, name, handler: text.optional(), validator: text.optional(), options: optionChanges }),
  z.strictObject({ kind: z.literal('alterFdwOwner'), database: name, name, owner: name }),
  z.strictObject({ kind: z.literal('dropFdw'), database: name, name }),
  z.strictObject({ kind: z.literal('createServer'), database: name, name, fdw: name, options: optionChanges }),
  z.strictObject({ kind: z.literal('alterServer'), database: name, name, options: optionChanges }),
  z.strictObject({ kind: z.literal('dropServer'), database: name, name }),
  z.strictObject({ kind: z.literal('grantUsage'), database: name, object: foreignObject, name, role: name }),
  z.strictObject({ kind: z.literal('revokeUsage'), database: name, object: foreignObject, name, role: name }),
]);

const names = z.array(name).max(1000);
export const observeRequestSchema = z.strictObject({ database: name, extensions: names, schemas: names, fdws: names.default([]), servers: names.default([]) });
export type ObserveDatabaseRequest = z.infer<typeof observeRequestSchema>;
export const applyRequestSchema = z.strictObject({ actions: z.array(actionSchema).max(1000) });

/** One answer per action, in order: applied, or what PostgreSQL said. */
export type ActionResult = { ok: true } | { ok: false; error: string };
