// The roles a monolith import brings over (bootstrap.initdb.import.roles), as CloudNativePG copies
// them: attributes, password hash when the source lets us read it, and memberships among them.
import { REPLICATION_USER, POOLER_USER, METRICS_EXPORTER_USER } from '../postgres/hba.js';
import { quoteIdent, quoteLiteral } from '../postgres/sql.js';

export interface SourceRole {
  rolname: string;
  rolsuper: boolean;
  rolinherit: boolean;
  rolcreaterole: boolean;
  rolcreatedb: boolean;
  rolcanlogin: boolean;
  rolreplication: boolean;
  rolbypassrls: boolean;
  rolconnlimit: number;
  rolvaliduntil: string | null;
  rolpassword: string | null;
  comment: string | null;
}

export interface SourceMembership {
  role: string;
  member: string;
  admin: boolean;
}

/**
 * The source's own roles (not its predefined ones: OIDs from FirstNormalObjectId up). Password
 * hashes live in pg_authid, which only a superuser reads; pg_roles shows the rest to anyone.
 */
export function ROLES_QUERY(canReadAuthid: boolean): string {
  const table = canReadAuthid ? 'pg_catalog.pg_authid' : 'pg_catalog.pg_roles';
  const password = canReadAuthid ? 'rolpassword' : 'NULL::text AS rolpassword';
  return `SELECT coalesce(json_agg(r ORDER BY rolname), '[]') FROM (
    SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls,
      rolconnlimit, rolvaliduntil::text AS rolvaliduntil, ${password}, pg_catalog.shobj_description(oid, 'pg_authid') AS comment
    FROM ${table} WHERE oid >= 16384) r`;
}

export const MEMBERSHIPS_QUERY = `SELECT coalesce(json_agg(m), '[]') FROM (
  SELECT r.rolname AS role, u.rolname AS member, a.admin_option AS admin
  FROM pg_catalog.pg_auth_members a JOIN pg_catalog.pg_roles r ON r.oid = a.roleid JOIN pg_catalog.pg_roles u ON u.oid = a.member
  WHERE a.roleid >= 16384 AND a.member >= 16384) m`;

/** Roles the operator keeps itself: never taken from a source. */
const OPERATOR_ROLES = new Set(['postgres', REPLICATION_USER, POOLER_USER, METRICS_EXPORTER_USER]);

function createRole(r: SourceRole): string {
  const words = [
    r.rolcanlogin ? 'LOGIN' : 'NOLOGIN',
    r.rolsuper ? 'SUPERUSER' : 'NOSUPERUSER',
    r.rolcreatedb ? 'CREATEDB' : 'NOCREATEDB',
    r.rolcreaterole ? 'CREATEROLE' : 'NOCREATEROLE',
    r.rolinherit ? 'INHERIT' : 'NOINHERIT',
    r.rolreplication ? 'REPLICATION' : 'NOREPLICATION',
    r.rolbypassrls ? 'BYPASSRLS' : 'NOBYPASSRLS',
    `CONNECTION LIMIT ${Number(r.rolconnlimit)}`,
  ];
  if (r.rolvaliduntil !== null) words.push(`VALID UNTIL ${quoteLiteral(r.rolvaliduntil)}`);
  if (r.rolpassword !== null) words.push(`PASSWORD ${quoteLiteral(r.rolpassword)}`);
  return `CREATE ROLE ${quoteIdent(r.rolname)} WITH ${words.join(' ')}`;
}

/**
 * The statements that create the wanted roles (`*`: all of them) that this instance does not
 * have yet, with their comments, then the memberships between roles it has afterwards.
 */
export function importedRoleStatements(wanted: string[], roles: SourceRole[], memberships: SourceMembership[], existing: Set<string>): string[] {
  const all = wanted.includes('*');
  const chosen = roles.filter((r) => !OPERATOR_ROLES.has(r.rolname) && !existing.has(r.rolname) && (all || wanted.includes(r.rolname)));
  const present = new Set([...existing, ...chosen.map((r) => r.rolname)]);
  const imported = new Set(chosen.map((r) => r.rolname));
  return [
    ...chosen.flatMap((r) => [createRole(r), ...(r.comment !== null ? [`COMMENT ON ROLE ${quoteIdent(r.rolname)} IS ${quoteLiteral(r.comment)}`] : [])]),
    ...memberships
      .filter((m) => (imported.has(m.role) || imported.has(m.member)) && present.has(m.role) && present.has(m.member))
      .map((m) => `GRANT ${quoteIdent(m.role)} TO ${quoteIdent(m.member)}${m.admin ? ' WITH ADMIN OPTION' : ''}`),
  ];
}
