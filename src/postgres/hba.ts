// pg_hba.conf and pg_ident.conf: fixed operator rules first, the user's lines next, and a
// password-only default last, so user lines can narrow access but the fallback is always scram.
import { hbaLineProblem, identLineProblem } from '../api/hba-lines.js';
import { UnsafeConfigurationError } from './config.js';
import { ldapHbaRule, type LdapSpec } from './ldap-hba.js';

export const REPLICATION_USER = 'streaming_replica';
export const LOCAL_IDENT_MAP = 'local';
/** The role PgBouncer logs in as to look passwords up (a Pooler's built-in authentication). */
export const POOLER_USER = 'cnpg_pooler_pgbouncer';
/** The metrics exporter's role: in over the local socket only, as the instance's OS user (peer). */
export const METRICS_EXPORTER_USER = 'cnpg_metrics_exporter';
/** Its certificate's common name is the role itself, as pg_ident maps it. */
const POOLER_IDENT_MAP = POOLER_USER;

export interface HbaInput {
  userLines: string[];
  /** scram-sha-256 needs PostgreSQL 14+ password storage; older majors fall back to md5. */
  major: number;
  /** A Pooler with built-in authentication: its role logs in with its client certificate, over TLS only. */
  poolerAuth?: boolean;
  /** spec.postgresql.ldap with a bind method: its rule follows the user's, ahead of the default (as CloudNativePG orders them). */
  ldap?: LdapSpec;
  ldapBindPassword?: string;
}

export function renderPgHba({ userLines, major, poolerAuth = false, ldap, ldapBindPassword }: HbaInput): string {
  const method = major >= 14 ? 'scram-sha-256' : 'md5';
  return [
    '# Written by the cnpg-ts instance manager; edits are overwritten. Use spec.postgresql.pg_hba.',
    '# Fixed rules',
    `local all all peer map=${LOCAL_IDENT_MAP}`,
    // Base backups for the object store stream through pg_basebackup as the local superuser.
    `local replication postgres peer map=${LOCAL_IDENT_MAP}`,
    // The exporter's role has no password; refusing it over TCP says so before any user rule could let it try.
    `host all ${METRICS_EXPORTER_USER} all reject`,
    `host replication ${REPLICATION_USER} all ${method}`,
    `host postgres ${REPLICATION_USER} all ${method}`,
    ...(poolerAuth ? [`hostssl all ${POOLER_USER} all cert map=${POOLER_IDENT_MAP}`] : []),
    '# User-defined rules',
    ...checked('pg_hba.conf', userLines, hbaLineProblem),
    ...(ldap ? ['# LDAP rule (spec.postgresql.ldap)', ldapHbaRule(ldap, ldapBindPassword)] : []),
    '# Default rule',
    `host all all all ${method}`,
    '',
  ].join('\n');
}

export interface IdentInput {
  osUser: string;
  /** Database roles the instance's operating-system user may log in as over the local socket. */
  localRoles: string[];
  userLines: string[];
  poolerAuth?: boolean;
}

export function renderPgIdent({ osUser, localRoles, userLines, poolerAuth = false }: IdentInput): string {
  const roles = [...new Set(['postgres', METRICS_EXPORTER_USER, ...localRoles])];
  return [
    '# Written by the cnpg-ts instance manager; edits are overwritten. Use spec.postgresql.pg_ident.',
    ...roles.map((role) => `${LOCAL_IDENT_MAP} ${osUser} ${role}`),
    ...(poolerAuth ? [`${POOLER_IDENT_MAP} ${POOLER_USER} ${POOLER_USER}`] : []),
    ...checked('pg_ident.conf', userLines, identLineProblem),
    '',
  ].join('\n');
}

/** Validation refuses bad lines at apply; refusing them here again keeps every line one rule. */
function checked(file: string, lines: readonly string[], problem: (line: string) => string | undefined): readonly string[] {
  lines.forEach((line, index) => {
    const found = problem(line);
    if (found) throw new UnsafeConfigurationError(`refusing to write line ${index + 1} of the user's ${file} rules: ${found}`);
  });
  return lines;
}
