// The roles a primary keeps: the built-in ones (replication user, application owner, postgres) and
// the managed ones of spec.managed.roles. Set up once after a bootstrap and again whenever what they
// depend on changes.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { REPLICATION_USER } from '../postgres/hba.js';
import { passwordClause, roleOptions } from '../postgres/roles.js';
import { quoteIdent, quoteLiteral } from '../postgres/sql.js';
import type { Credentials, InstanceSpec, ManagedRoleSpec } from './spec.js';

async function roleExists(c: pg.ClientBase, name: string): Promise<boolean> {
  const r = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
  return r.rowCount === 1;
}

/** Brings managed roles to their declared state; safe to run again at any time. */
async function reconcileManagedRoles(c: pg.ClientBase, roles: ManagedRoleSpec[], creds: Credentials): Promise<void> {
  for (const r of roles) {
    const ident = quoteIdent(r.name);
    if (r.ensure === 'absent') {
      if (await roleExists(c, r.name)) await c.query(`DROP ROLE ${ident}`);
      continue;
    }
    const verb = (await roleExists(c, r.name)) ? 'ALTER' : 'CREATE';
    await c.query(`${verb} ROLE ${ident} WITH ${roleOptions(r)}`);
    const password = creds.rolePasswords[r.name];
    if (r.disablePassword) await c.query(`ALTER ROLE ${ident} PASSWORD NULL`);
    else if (password !== undefined) await c.query(`ALTER ROLE ${ident} ${passwordClause(password)}`);
    if (r.comment !== undefined) await c.query(`COMMENT ON ROLE ${ident} IS ${quoteLiteral(r.comment)}`);
    for (const parent of r.inRoles) {
      if (await roleExists(c, parent)) await c.query(`GRANT ${quoteIdent(parent)} TO ${ident}`);
    }
  }
}

/** Passwords of the built-in roles: replication user, application owner, postgres. */
async function reconcileBuiltinRoles(c: pg.ClientBase, owner: string | undefined, enableSuperuserAccess: boolean, creds: Credentials): Promise<void> {
  const repl = quoteIdent(REPLICATION_USER);
  const replVerb = (await roleExists(c, REPLICATION_USER)) ? 'ALTER' : 'CREATE';
  await c.query(`${replVerb} ROLE ${repl} WITH LOGIN REPLICATION ${passwordClause(creds.replicationPassword)}`);
  if (owner && owner !== 'postgres' && creds.app) {
    const verb = (await roleExists(c, owner)) ? 'ALTER' : 'CREATE';
    await c.query(`${verb} ROLE ${quoteIdent(owner)} WITH LOGIN ${passwordClause(creds.app.password)}`);
  }
  // A database owned by postgres makes the application secret a superuser credential; the user asked for it.
  const superuserPassword = owner === 'postgres' ? creds.app?.password : enableSuperuserAccess ? creds.superuserPassword : undefined;
  await c.query(`ALTER ROLE postgres ${passwordClause(superuserPassword)}`);
}

/** pg_rewind reads the source's files through these functions; the replication user may call them (and pg_switch_wal). */
async function grantRewindFunctions(c: pg.ClientBase): Promise<void> {
  const user = quoteIdent(REPLICATION_USER);
  for (const fn of [
    'pg_catalog.pg_ls_dir(text, boolean, boolean)',
    'pg_catalog.pg_stat_file(text, boolean)',
    'pg_catalog.pg_read_binary_file(text)',
    'pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)',
    // A base backup taken on a standby asks the primary to finish its last WAL segment.
    'pg_catalog.pg_switch_wal()',
  ]) {
    await c.query(`GRANT EXECUTE ON FUNCTION ${fn} TO ${user}`);
  }
}

/** Every role the spec and credentials imply, built-in and managed; `owner` is the application database's. */
export async function setUpRoles(c: pg.ClientBase, owner: string | undefined, spec: Pick<InstanceSpec, 'enableSuperuserAccess' | 'managedRoles'>, creds: Credentials): Promise<void> {
  await reconcileBuiltinRoles(c, owner, spec.enableSuperuserAccess, creds);
  await grantRewindFunctions(c);
  await reconcileManagedRoles(c, spec.managedRoles, creds);
}

/** Everything the roles depend on, as one value: role DDL writes WAL, so it runs only when this changes. */
export function rolesHash(spec: Pick<InstanceSpec, 'enableSuperuserAccess' | 'managedRoles' | 'poolerAuth'>, creds: Credentials): string {
  // The pooler's role joins the list only when it is wanted, so the hash of a cluster without poolers stays what it was.
  const pooler = spec.poolerAuth ? ['poolerAuth'] : [];
  return createHash('sha256')
    .update(JSON.stringify([spec.managedRoles, spec.enableSuperuserAccess, creds.app, creds.superuserPassword, creds.replicationPassword, creds.rolePasswords, ...pooler]))
    .digest('hex');
}

const ROLES_HASH_PREFIX = 'cnpg-ts roles ';

/**
 * What the role setup last applied, kept as a comment on the replication role: it lives in the
 * database, so a promoted standby knows what its old primary already applied.
 */
export async function appliedRolesHash(c: pg.ClientBase): Promise<string | undefined> {
  const r = await c.query("SELECT shobj_description(oid, 'pg_authid') AS d FROM pg_roles WHERE rolname = $1", [REPLICATION_USER]);
  const d = (r.rows[0] as { d: string | null } | undefined)?.d;
  return d?.startsWith(ROLES_HASH_PREFIX) ? d.slice(ROLES_HASH_PREFIX.length) : undefined;
}

export async function recordRolesHash(c: pg.ClientBase, hash: string): Promise<void> {
  await c.query(`COMMENT ON ROLE ${quoteIdent(REPLICATION_USER)} IS ${quoteLiteral(ROLES_HASH_PREFIX + hash)}`);
}
