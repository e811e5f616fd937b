// The database side of a Pooler's built-in authentication, as CloudNativePG sets it up: the role
// PgBouncer logs in as (by certificate, see hba.ts) and a SECURITY DEFINER function that returns a
// role's password hash, which is all that role may call. PgBouncer 1.18 runs its auth_query in the
// database the client asked for (it has no auth_dbname), so the function is in every database that
// takes connections, template1 included so that databases created later have it too.
import type pg from 'pg';
import { POOLER_USER } from './hba.js';
import { quoteIdent } from './sql.js';

const ROLE = quoteIdent(POOLER_USER);
const FUNCTION = 'public.user_search(text)';

/** Databases a client can connect to, hence PgBouncer's auth_query too. */
export async function connectableDatabases(c: pg.ClientBase): Promise<string[]> {
  const r = await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datallowconn ORDER BY datname');
  return r.rows.map((row) => row.datname);
}

export async function poolerRoleExists(c: pg.ClientBase): Promise<boolean> {
  return (await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [POOLER_USER])).rowCount === 1;
}

/** Once per cluster (roles are shared by every database): a login without a password, only a certificate lets it in. */
export async function ensurePoolerRole(c: pg.ClientBase): Promise<void> {
  const verb = (await poolerRoleExists(c)) ? 'ALTER' : 'CREATE';
  await c.query(`${verb} ROLE ${ROLE} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD NULL`);
}

/**
 * In one database (`c` connected to it, as a superuser): the lookup function, callable by the
 * pooler's role alone. search_path is pinned so that no object a user creates can stand in for
 * pg_shadow while the function runs with its owner's rights.
 */
export async function ensureUserSearch(c: pg.ClientBase, database: string): Promise<void> {
  await c.query(`GRANT CONNECT ON DATABASE ${quoteIdent(database)} TO ${ROLE}`);
  await c.query(
    `CREATE OR REPLACE FUNCTION ${FUNCTION.replace('(text)', '(uname text)')} RETURNS TABLE (usename name, passwd text) ` +
      `LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp ` +
      `AS 'SELECT usename, passwd FROM pg_catalog.pg_shadow WHERE usename = uname'`,
  );
  await c.query(`REVOKE ALL ON FUNCTION ${FUNCTION} FROM PUBLIC`);
  await c.query(`GRANT EXECUTE ON FUNCTION ${FUNCTION} TO ${ROLE}`);
}

/** In one database: the function and whatever the role was granted there. */
export async function dropUserSearch(c: pg.ClientBase): Promise<void> {
  await c.query(`DROP FUNCTION IF EXISTS ${FUNCTION}`);
  await c.query(`DROP OWNED BY ${ROLE}`);
}

export async function dropPoolerRole(c: pg.ClientBase): Promise<void> {
  await c.query(`DROP ROLE IF EXISTS ${ROLE}`);
}
