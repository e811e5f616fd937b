// Creates a brand-new primary: initdb, first start, then the roles, database and SQL the spec asks for.
import { join } from 'node:path';
import type pg from 'pg';
import { quoteIdent, quoteLiteral } from '../postgres/sql.js';
import { REPLICATION_USER } from '../postgres/hba.js';
import { runTool } from './run.js';
import type { Credentials, InitdbBootstrap, ManagedRoleSpec } from './spec.js';

export function initdbArguments(pgdata: string, b: InitdbBootstrap): string[] {
  const args = ['-D', pgdata, '-U', 'postgres', '--auth-local=peer', '--auth-host=scram-sha-256', '-E', b.encoding];
  if (b.locale) args.push(`--locale=${b.locale}`);
  args.push(`--lc-collate=${b.localeCollate}`, `--lc-ctype=${b.localeCType}`);
  if (b.localeProvider) args.push(`--locale-provider=${b.localeProvider}`);
  if (b.icuLocale) args.push(`--icu-locale=${b.icuLocale}`);
  if (b.icuRules) args.push(`--icu-rules=${b.icuRules}`);
  if (b.builtinLocale) args.push(`--builtin-locale=${b.builtinLocale}`);
  if (b.dataChecksums) args.push('--data-checksums');
  if (b.walSegmentSize) args.push(`--wal-segsize=${b.walSegmentSize}`);
  // The deprecated raw options come last so that, as in CloudNativePG, they win over explicit fields.
  args.push(...(b.options ?? []));
  return args;
}

export async function runInitdb(binDir: string, pgdata: string, b: InitdbBootstrap): Promise<void> {
  await runTool(join(binDir, 'initdb'), initdbArguments(pgdata, b), { ...process.env, LC_ALL: 'C', LANG: 'C' });
}

function passwordClause(password: string | undefined): string {
  return password === undefined ? 'PASSWORD NULL' : `PASSWORD ${quoteLiteral(password)}`;
}

async function roleExists(c: pg.Client, name: string): Promise<boolean> {
  const r = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
  return r.rowCount === 1;
}

export function roleOptions(r: ManagedRoleSpec): string {
  const flag = (on: boolean, word: string) => (on ? word : `NO${word}`);
  const opts = [
    flag(r.login, 'LOGIN'),
    flag(r.superuser, 'SUPERUSER'),
    flag(r.createdb, 'CREATEDB'),
    flag(r.createrole, 'CREATEROLE'),
    flag(r.inherit, 'INHERIT'),
    flag(r.replication, 'REPLICATION'),
    flag(r.bypassrls, 'BYPASSRLS'),
    `CONNECTION LIMIT ${r.connectionLimit}`,
  ];
  if (r.validUntil) opts.push(`VALID UNTIL ${quoteLiteral(r.validUntil)}`);
  return opts.join(' ');
}

/** Brings managed roles to their declared state; safe to run again at any time. */
export async function reconcileManagedRoles(c: pg.Client, roles: ManagedRoleSpec[], creds: Credentials): Promise<void> {
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
export async function reconcileBuiltinRoles(c: pg.Client, owner: string | undefined, enableSuperuserAccess: boolean, creds: Credentials): Promise<void> {
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
export async function grantRewindFunctions(c: pg.Client): Promise<void> {
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

const ROLES_HASH_PREFIX = 'cnpg-ts roles ';

/** What the role reconciliation last applied, kept as a comment on the replication role. */
export async function appliedRolesHash(c: pg.Client): Promise<string | undefined> {
  const r = await c.query("SELECT shobj_description(oid, 'pg_authid') AS d FROM pg_roles WHERE rolname = $1", [REPLICATION_USER]);
  const d = (r.rows[0] as { d: string | null } | undefined)?.d;
  return d?.startsWith(ROLES_HASH_PREFIX) ? d.slice(ROLES_HASH_PREFIX.length) : undefined;
}

export async function recordRolesHash(c: pg.Client, hash: string): Promise<void> {
  await c.query(`COMMENT ON ROLE ${quoteIdent(REPLICATION_USER)} IS ${quoteLiteral(ROLES_HASH_PREFIX + hash)}`);
}

export async function createApplicationDatabase(c: pg.Client, b: Pick<InitdbBootstrap, 'database' | 'owner'>): Promise<void> {
  const exists = (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [b.database])).rowCount === 1;
  if (exists) await c.query(`ALTER DATABASE ${quoteIdent(b.database)} OWNER TO ${quoteIdent(b.owner)}`);
  else await c.query(`CREATE DATABASE ${quoteIdent(b.database)} OWNER ${quoteIdent(b.owner)}`);
}

export async function runStatements(c: pg.Client, statements: string[]): Promise<void> {
  for (const sql of statements) await c.query(sql);
}
