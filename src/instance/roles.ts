// The roles a primary keeps: the built-in ones (replication user, application owner, postgres) and
// the managed ones of spec.managed.roles. Set up once after a bootstrap and again whenever what they
// depend on changes.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { REPLICATION_USER } from '../postgres/hba.js';
import { passwordClause } from '../postgres/roles.js';
import { quoteIdent, quoteLiteral } from '../postgres/sql.js';
import { syncManagedRoles } from './managed-roles.js';
import { withoutStatementLogging } from './quiet-statement.js';
import type { Credentials, InstanceSpec } from './spec.js';

async function roleExists(c: pg.ClientBase, name: string): Promise<boolean> {
  const r = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
  return r.rowCount === 1;
}

/** Passwords of the built-in roles: replication user, application owner, postgres. */
async function reconcileBuiltinRoles(c: pg.ClientBase, owner: string | undefined, enableSuperuserAccess: boolean, creds: Credentials): Promise<void> {
  const passthrough = creds.passwordPassthrough ?? {};
  const repl = quoteIdent(REPLICATION_USER);
  const replVerb = (await roleExists(c, REPLICATION_USER)) ? 'ALTER' : 'CREATE';
  await withoutStatementLogging(c, `${replVerb} ROLE ${repl} WITH LOGIN REPLICATION ${passwordClause(creds.replicationPassword, false)}`);
  if (owner && owner !== 'postgres' && creds.app) {
    const verb = (await roleExists(c, owner)) ? 'ALTER' : 'CREATE';
    await withoutStatementLogging(c, `${verb} ROLE ${quoteIdent(owner)} WITH LOGIN ${passwordClause(creds.app.password, passthrough.app === true)}`);
  }
  // A database owned by postgres makes the application secret a superuser credential; the user asked for it.
  const [superuserPassword, superuserPassthrough] =
    owner === 'postgres' ? [creds.app?.password, passthrough.app] : enableSuperuserAccess ? [creds.superuserPassword, passthrough.superuser] : [undefined, false];
  await withoutStatementLogging(c, `ALTER ROLE postgres ${passwordClause(superuserPassword, superuserPassthrough === true)}`);
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

/** The operator's roles: replication user, application owner, postgres; `owner` is the application database's. */
export async function setUpBuiltinRoles(c: pg.ClientBase, owner: string | undefined, spec: Pick<InstanceSpec, 'enableSuperuserAccess'>, creds: Credentials): Promise<void> {
  await reconcileBuiltinRoles(c, owner, spec.enableSuperuserAccess, creds);
  await grantRewindFunctions(c);
}

/** Every role of a new primary, built-in and managed (the manager keeps the managed ones in line from then on). */
export async function setUpRoles(c: pg.ClientBase, owner: string | undefined, spec: Pick<InstanceSpec, 'enableSuperuserAccess' | 'managedRoles'>, creds: Credentials): Promise<void> {
  await setUpBuiltinRoles(c, owner, spec, creds);
  await syncManagedRoles(c, spec.managedRoles, creds, {});
}

/** Everything the built-in roles depend on, as one value: role DDL writes WAL, so it runs only when this changes. */
export function rolesHash(spec: Pick<InstanceSpec, 'enableSuperuserAccess' | 'poolerAuth'>, creds: Credentials): string {
  // The pooler's role joins the list only when it is wanted, so the hash of a cluster without poolers stays what it was.
  const pooler = spec.poolerAuth ? ['poolerAuth'] : [];
  // Likewise the passthrough flags, which change how the same passwords are sent.
  const passthrough = creds.passwordPassthrough?.app || creds.passwordPassthrough?.superuser ? [{ app: creds.passwordPassthrough.app, superuser: creds.passwordPassthrough.superuser }] : [];
  return createHash('sha256')
    .update(JSON.stringify([spec.enableSuperuserAccess, creds.app, creds.superuserPassword, creds.replicationPassword, ...pooler, ...passthrough]))
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
