// The primary's side of Database objects: report what one database looks like, and run the
// actions the operator planned for it (operator/database-plan.ts), each as one quoted statement.
// A standby, or a primary still in recovery, refuses: the operator only plans against a primary.
import { z } from 'zod';
import type pg from 'pg';
import {
  OBSERVE_DATABASE_SQL,
  OBSERVE_EXTENSIONS_SQL,
  OBSERVE_SCHEMAS_SQL,
  databaseActionSql,
  isDatabaseLevel,
  type DatabaseAction,
  type ObservedDatabase,
} from '../postgres/database-sql.js';
import { withConnection, type SocketTarget } from './db.js';
import { RefusedError } from './manager.js';

/** The database every instance has, where database-level statements run. */
const MAINTENANCE_DATABASE = 'postgres';

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
]);

export const observeRequestSchema = z.strictObject({ database: name, extensions: z.array(name).max(1000), schemas: z.array(name).max(1000) });
export type ObserveDatabaseRequest = z.infer<typeof observeRequestSchema>;
export const applyRequestSchema = z.strictObject({ actions: z.array(actionSchema).max(1000) });

/** One answer per action, in order: applied, or what PostgreSQL said. */
export type ActionResult = { ok: true } | { ok: false; error: string };

async function refuseInRecovery(c: pg.ClientBase): Promise<void> {
  const r = await c.query<{ recovery: boolean }>('SELECT pg_catalog.pg_is_in_recovery() AS recovery');
  if (r.rows[0]?.recovery) throw new RefusedError('this instance is in recovery: databases are managed on the primary');
}

export async function observeDatabase(target: SocketTarget, request: ObserveDatabaseRequest): Promise<ObservedDatabase> {
  const row = await withConnection(target, MAINTENANCE_DATABASE, async (c) => {
    await refuseInRecovery(c);
    const r = await c.query<Omit<ObservedDatabase, 'exists'>>(OBSERVE_DATABASE_SQL, [request.database]);
    return r.rows[0];
  });
  if (!row) return { exists: false };
  const observed: ObservedDatabase = { exists: true, ...row };
  // A database refusing connections refuses ours too: its objects cannot be read.
  if (!row.allowConnections || (request.extensions.length === 0 && request.schemas.length === 0)) return observed;
  return withConnection(target, request.database, async (c) => {
    const extensions = await c.query<{ name: string; version: string; schema: string }>(OBSERVE_EXTENSIONS_SQL, [request.extensions]);
    const schemas = await c.query<{ name: string; owner: string }>(OBSERVE_SCHEMAS_SQL, [request.schemas]);
    return {
      ...observed,
      extensions: Object.fromEntries(extensions.rows.map((e) => [e.name, { version: e.version, schema: e.schema }])),
      schemas: Object.fromEntries(schemas.rows.map((s) => [s.name, { owner: s.owner }])),
    };
  });
}

async function run(c: pg.ClientBase, action: DatabaseAction): Promise<ActionResult> {
  try {
    await c.query(databaseActionSql(action));
    return { ok: true };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

/** Consecutive actions that run in the same database, so each run needs one connection. */
function runs(actions: readonly DatabaseAction[]): { database: string; actions: DatabaseAction[] }[] {
  const out: { database: string; actions: DatabaseAction[] }[] = [];
  for (const action of actions) {
    const database = isDatabaseLevel(action) ? MAINTENANCE_DATABASE : action.database;
    const last = out.at(-1);
    if (last?.database === database) last.actions.push(action);
    else out.push({ database, actions: [action] });
  }
  return out;
}

/**
 * Runs every action and answers for each: database-level ones from the maintenance database,
 * the others inside their database. One failing does not stop the others, so each extension and
 * schema gets its own verdict, as CloudNativePG reports them.
 */
export async function applyDatabaseActions(target: SocketTarget, actions: readonly DatabaseAction[]): Promise<ActionResult[]> {
  await withConnection(target, MAINTENANCE_DATABASE, refuseInRecovery);
  const results: ActionResult[] = [];
  for (const group of runs(actions)) {
    const end = results.length + group.actions.length;
    try {
      await withConnection(target, group.database, async (c) => {
        for (const action of group.actions) results.push(await run(c, action));
      });
    } catch (e) {
      const error = `cannot connect to database ${JSON.stringify(group.database)}: ${(e as Error).message}`;
      while (results.length < end) results.push({ ok: false, error });
    }
  }
  return results;
}
