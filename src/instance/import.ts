// bootstrap.initdb.import: a logical import, after initdb, from an external cluster of the same or
// an older major, with pg_dump (directory format) and pg_restore, as CloudNativePG does it.
// microservice: one database into the application database, owned by its owner; monolith: the
// listed databases (or every one, `*`) under their own names and owners, with the listed roles.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { quoteIdent } from '../postgres/sql.js';
import { withConnection, type SocketTarget } from './db.js';
import { externalConnection, writeExternalConnection } from './external-connection.js';
import { log } from './log.js';
import { runTool } from './run.js';
import type { Credentials, ImportSpec, InstanceSpec } from './spec.js';

export type { ImportSpec };
import { importedRoleStatements, ROLES_QUERY, MEMBERSHIPS_QUERY, type SourceMembership, type SourceRole } from './import-roles.js';

export type Section = 'pre-data' | 'data' | 'post-data';

export function sections(spec: Pick<ImportSpec, 'schemaOnly'>): Section[] {
  return spec.schemaOnly ? ['pre-data', 'post-data'] : ['pre-data', 'data', 'post-data'];
}

/** pg_dump in directory format, the sections wanted, then the user's own options: each one argv element, never a shell word. */
export function pgDumpArguments(spec: ImportSpec, conninfo: string, dir: string): string[] {
  return ['-Fd', '-f', dir, '-d', conninfo, '-v', ...sections(spec).map((s) => `--section=${s}`), ...spec.pgDumpExtraOptions];
}

/** A section's own pg_restore options when given, else pgRestoreExtraOptions. */
export function restoreOptions(spec: ImportSpec, section: Section): string[] {
  const own = { 'pre-data': spec.pgRestorePredataOptions, data: spec.pgRestoreDataOptions, 'post-data': spec.pgRestorePostdataOptions }[section];
  return own.length > 0 ? own : spec.pgRestoreExtraOptions;
}

/** The local superuser over the instance's socket. */
function localTarget(socket: SocketTarget): string[] {
  return ['-h', socket.socketDir, '-p', String(socket.port), '-U', 'postgres'];
}

/** microservice: into `database`, every object owned by `owner` (ownership and grants of the source are not kept). */
export function microserviceRestoreArguments(spec: ImportSpec, socket: SocketTarget, section: Section, database: string, owner: string, dir: string): string[] {
  return [...restoreOptions(spec, section), ...localTarget(socket), '--no-owner', '--no-privileges', `--role=${owner}`, '-d', database, '--section', section, dir];
}

/** monolith: under the source's names and owners; a database not there yet is created by the first section. */
export function monolithRestoreArguments(spec: ImportSpec, socket: SocketTarget, section: Section, database: string, exists: boolean, dir: string): string[] {
  const create = exists ? [] : ['--create'];
  return [...create, ...restoreOptions(spec, section), ...localTarget(socket), '-d', exists ? database : 'postgres', '--section', section, dir];
}

export interface ImportHost {
  spec: InstanceSpec;
  creds: Credentials;
  root: string;
  socket: SocketTarget;
}

/** The database list of a monolith import: every database that takes connections when `*` is among them. */
export const DATABASES_QUERY = `SELECT coalesce(json_agg(datname ORDER BY datname), '[]') FROM pg_catalog.pg_database
  WHERE datallowconn AND NOT datistemplate AND datname <> 'postgres'`;

export async function importFromExternal(host: ImportHost, i: ImportSpec, app: { database: string; owner: string }): Promise<void> {
  const { spec, creds, root } = host;
  const conn = externalConnection(spec, creds, i.source);
  const conninfoFor = (database: string) => writeExternalConnection(root, conn, { dbname: database });
  const dumps = join(root, 'import');
  rmSync(dumps, { recursive: true, force: true });
  mkdirSync(dumps, { recursive: true, mode: 0o700 });
  const psql = async <T>(query: string): Promise<T> =>
    JSON.parse(await runTool(join(spec.binDir, 'psql'), ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-d', conninfoFor('postgres'), '-c', query])) as T;
  const dump = async (database: string): Promise<string> => {
    // A database name may hold any character but NUL: hex makes it one safe folder name.
    const dir = join(dumps, Buffer.from(database).toString('hex'));
    log('info', 'import: dumping a database of the external cluster', { source: i.source, database });
    await runTool(join(spec.binDir, 'pg_dump'), pgDumpArguments(i, conninfoFor(database), dir));
    return dir;
  };
  const restore = (args: string[]) => runTool(join(spec.binDir, 'pg_restore'), args);
  try {
    if (i.type === 'microservice') {
      const [source = app.database] = i.databases;
      const dir = await dump(source);
      await withConnection(host.socket, app.database, (c) => c.query(`ALTER ROLE ${quoteIdent(app.owner)} SUPERUSER`));
      try {
        // The owner restores as itself, temporarily a superuser: CREATE EXTENSION and the like need it.
        for (const section of sections(i)) await restore(microserviceRestoreArguments(i, host.socket, section, app.database, app.owner, dir));
      } finally {
        await withConnection(host.socket, app.database, (c) => c.query(`ALTER ROLE ${quoteIdent(app.owner)} NOSUPERUSER`));
      }
      await withConnection(host.socket, app.database, async (c) => {
        // psql's search_path, for statements written against the application database.
        await c.query(`SET search_path TO "$user", public`);
        for (const statement of i.postImportApplicationSQL) await c.query(statement);
      });
      await withConnection(host.socket, app.database, (c) => c.query('ANALYZE'), 10_000);
      return;
    }
    if (i.roles.length > 0) {
      const roles = await psql<SourceRole[]>(ROLES_QUERY(await psql<boolean>("SELECT to_json(has_table_privilege('pg_catalog.pg_authid', 'SELECT'))")));
      const memberships = await psql<SourceMembership[]>(MEMBERSHIPS_QUERY);
      await withConnection(host.socket, 'postgres', async (c) => {
        const existing = new Set((await c.query<{ rolname: string }>('SELECT rolname FROM pg_roles')).rows.map((r) => r.rolname));
        for (const statement of importedRoleStatements(i.roles, roles, memberships, existing)) await c.query(statement);
      });
    }
    const databases = i.databases.includes('*') ? await psql<string[]>(DATABASES_QUERY) : i.databases;
    for (const database of databases) {
      const dir = await dump(database);
      for (const section of sections(i)) {
        const exists = await withConnection(host.socket, 'postgres', async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount === 1);
        await restore(monolithRestoreArguments(i, host.socket, section, database, exists, dir));
      }
      await withConnection(host.socket, database, (c) => c.query('ANALYZE'), 10_000);
    }
  } finally {
    rmSync(dumps, { recursive: true, force: true });
  }
}
