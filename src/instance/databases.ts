// The primary's side of Database objects: report what one database looks like, and run the
// actions the operator planned for it (operator/database-plan.ts), each as one quoted statement.
// A standby, or a primary still in recovery, refuses: the operator only plans against a primary.
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
import { OBSERVE_FDWS_SQL, OBSERVE_SERVERS_SQL, type ObservedFdw, type ObservedServer } from '../postgres/foreign-data-sql.js';
import { withConnection, type SocketTarget } from './db.js';
import { RefusedError } from './refused.js';
import type { ActionResult, ObserveDatabaseRequest } from './database-requests.js';

/** The database every instance has, where database-level statements run. */
const MAINTENANCE_DATABASE = 'postgres';

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
  const objects = [request.extensions, request.schemas, request.fdws, request.servers];
  if (!row.allowConnections || objects.every((names) => names.length === 0)) return observed;
  return withConnection(target, request.database, async (c) => {
    const extensions = await c.query<{ name: string; version: string; schema: string }>(OBSERVE_EXTENSIONS_SQL, [request.extensions]);
    const schemas = await c.query<{ name: string; owner: string }>(OBSERVE_SCHEMAS_SQL, [request.schemas]);
    const fdws = await c.query<ObservedFdw & { name: string }>(OBSERVE_FDWS_SQL, [request.fdws]);
    const servers = await c.query<ObservedServer & { name: string }>(OBSERVE_SERVERS_SQL, [request.servers]);
    return {
      ...observed,
      extensions: Object.fromEntries(extensions.rows.map((e) => [e.name, { version: e.version, schema: e.schema }])),
      schemas: Object.fromEntries(schemas.rows.map((s) => [s.name, { owner: s.owner }])),
      fdws: Object.fromEntries(fdws.rows.map(({ name, ...fdw }) => [name, fdw])),
      servers: Object.fromEntries(servers.rows.map(({ name, ...server }) => [name, server])),
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
