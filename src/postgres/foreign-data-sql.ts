// Foreign data wrappers and foreign servers of a Database object: the actions the operator may
// ask for, the one statement each becomes, and how a primary reports them. Names are quoted as
// identifiers and option values as literals; "-" as a handler or validator means none, as in
// PostgreSQL's own catalog output.
import { quoteIdent, quoteLiteral } from './sql.js';

/** One clause of `OPTIONS (...)`: on creation only `add` is used. */
export type OptionChange = { op: 'add' | 'set'; name: string; value: string } | { op: 'drop'; name: string };

/** Where USAGE is granted: `ON FOREIGN DATA WRAPPER` or `ON FOREIGN SERVER`. */
export type ForeignObject = 'fdw' | 'server';

export type ForeignDataAction =
  | { kind: 'createFdw'; database: string; name: string; handler?: string; validator?: string; options: OptionChange[] }
  | { kind: 'alterFdw'; database: string; name: string; handler?: string; validator?: string; options: OptionChange[] }
  | { kind: 'alterFdwOwner'; database: string; name: string; owner: string }
  | { kind: 'dropFdw'; database: string; name: string }
  | { kind: 'createServer'; database: string; name: string; fdw: string; options: OptionChange[] }
  | { kind: 'alterServer'; database: string; name: string; options: OptionChange[] }
  | { kind: 'dropServer'; database: string; name: string }
  | { kind: 'grantUsage'; database: string; object: ForeignObject; name: string; role: string }
  | { kind: 'revokeUsage'; database: string; object: ForeignObject; name: string; role: string };

export type ForeignDataActionKind = ForeignDataAction['kind'];

export const FOREIGN_DATA_ACTION_KINDS: readonly ForeignDataActionKind[] = [
  'createFdw',
  'alterFdw',
  'alterFdwOwner',
  'dropFdw',
  'createServer',
  'alterServer',
  'dropServer',
  'grantUsage',
  'revokeUsage',
];

export function isForeignDataAction(action: { kind: string }): action is ForeignDataAction {
  return (FOREIGN_DATA_ACTION_KINDS as readonly string[]).includes(action.kind);
}

/** The status list and entry an action counts for. */
export function foreignActionObject(action: ForeignDataAction): { list: 'fdws' | 'servers'; name: string } {
  switch (action.kind) {
    case 'grantUsage':
    case 'revokeUsage':
      return { list: action.object === 'fdw' ? 'fdws' : 'servers', name: action.name };
    case 'createServer':
    case 'alterServer':
    case 'dropServer':
      return { list: 'servers', name: action.name };
    default:
      return { list: 'fdws', name: action.name };
  }
}

/** PUBLIC is the keyword for every role, never a role name to quote (any spelling, as CloudNativePG). */
export const PUBLIC_GRANTEE = 'PUBLIC';
export const granteeKey = (role: string): string => (role.toUpperCase() === PUBLIC_GRANTEE ? PUBLIC_GRANTEE : role);
const grantee = (role: string) => (granteeKey(role) === PUBLIC_GRANTEE ? PUBLIC_GRANTEE : quoteIdent(role));

function optionClause(change: OptionChange, withOp: boolean): string {
  const op = withOp ? `${change.op.toUpperCase()} ` : '';
  return change.op === 'drop' ? `${op}${quoteIdent(change.name)}` : `${op}${quoteIdent(change.name)} ${quoteLiteral(change.value)}`;
}

const optionsClause = (changes: readonly OptionChange[], withOp: boolean) =>
  changes.length === 0 ? [] : [`OPTIONS (${changes.map((c) => optionClause(c, withOp)).join(', ')})`];

const functionClause = (keyword: 'HANDLER' | 'VALIDATOR', fn: string | undefined) =>
  fn === undefined ? [] : [fn === '-' ? `NO ${keyword}` : `${keyword} ${quoteIdent(fn)}`];

const objectKeyword = (object: ForeignObject) => (object === 'fdw' ? 'FOREIGN DATA WRAPPER' : 'FOREIGN SERVER');

export function foreignDataActionSql(action: ForeignDataAction): string {
  const name = quoteIdent(action.name);
  switch (action.kind) {
    case 'createFdw':
    case 'alterFdw': {
      const verb = action.kind === 'createFdw' ? 'CREATE' : 'ALTER';
      const clauses = [...functionClause('HANDLER', action.handler), ...functionClause('VALIDATOR', action.validator), ...optionsClause(action.options, verb === 'ALTER')];
      return [`${verb} FOREIGN DATA WRAPPER ${name}`, ...clauses].join(' ');
    }
    case 'alterFdwOwner':
      return `ALTER FOREIGN DATA WRAPPER ${name} OWNER TO ${quoteIdent(action.owner)}`;
    case 'dropFdw':
      return `DROP FOREIGN DATA WRAPPER IF EXISTS ${name}`;
    case 'createServer':
      return [`CREATE SERVER ${name} FOREIGN DATA WRAPPER ${quoteIdent(action.fdw)}`, ...optionsClause(action.options, false)].join(' ');
    case 'alterServer':
      return [`ALTER SERVER ${name}`, ...optionsClause(action.options, true)].join(' ');
    case 'dropServer':
      return `DROP SERVER IF EXISTS ${name}`;
    case 'grantUsage':
      return `GRANT USAGE ON ${objectKeyword(action.object)} ${name} TO ${grantee(action.role)}`;
    case 'revokeUsage':
      return `REVOKE USAGE ON ${objectKeyword(action.object)} ${name} FROM ${grantee(action.role)}`;
    default: {
      const never: never = action;
      throw new Error(`unknown foreign data action ${JSON.stringify(never)}`);
    }
  }
}

/** A wrapper as the primary reports it: functions by name ("-" for none), options, USAGE holders. */
export interface ObservedFdw {
  handler: string;
  validator: string;
  owner: string;
  options: Record<string, string>;
  /** Roles holding USAGE by a grant, PUBLIC as "PUBLIC". */
  usage: string[];
}

export interface ObservedServer {
  fdw: string;
  options: Record<string, string>;
  usage: string[];
}

const USAGE_OF = (acl: string) => `COALESCE((SELECT json_agg(DISTINCT g.role ORDER BY g.role) FROM (
    SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(a.grantee) END AS role
    FROM pg_catalog.aclexplode(${acl}) a WHERE a.privilege_type = 'USAGE') g), '[]')`;
const OPTIONS_OF = (options: string) =>
  `COALESCE((SELECT json_object_agg(o.option_name, o.option_value) FROM pg_catalog.pg_options_to_table(${options}) o), '{}')`;

/** Inside the database: the named wrappers that exist. */
export const OBSERVE_FDWS_SQL = `
SELECT f.fdwname AS name, COALESCE(h.proname, '-') AS handler, COALESCE(v.proname, '-') AS validator,
       pg_catalog.pg_get_userbyid(f.fdwowner) AS owner, ${OPTIONS_OF('f.fdwoptions')} AS options, ${USAGE_OF('f.fdwacl')} AS usage
FROM pg_catalog.pg_foreign_data_wrapper f
LEFT JOIN pg_catalog.pg_proc h ON h.oid = f.fdwhandler
LEFT JOIN pg_catalog.pg_proc v ON v.oid = f.fdwvalidator
WHERE f.fdwname = ANY($1::text[])`;

/** Inside the database: the named foreign servers that exist. */
export const OBSERVE_SERVERS_SQL = `
SELECT s.srvname AS name, f.fdwname AS fdw, ${OPTIONS_OF('s.srvoptions')} AS options, ${USAGE_OF('s.srvacl')} AS usage
FROM pg_catalog.pg_foreign_server s JOIN pg_catalog.pg_foreign_data_wrapper f ON f.oid = s.srvfdw
WHERE s.srvname = ANY($1::text[])`;
