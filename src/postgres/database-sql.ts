// What the operator may ask a primary to do to a database and the objects inside it, and the one
// SQL statement each becomes. Every name is quoted as an identifier and every value as a literal
// or a checked number, so nothing from a manifest is spliced into SQL as written.
import { quoteIdent, quoteLiteral } from './sql.js';
import { foreignActionObject, foreignDataActionSql, isForeignDataAction, type ForeignDataAction, type ObservedFdw, type ObservedServer } from './foreign-data-sql.js';

/** CREATE DATABASE's settings, with CloudNativePG's field names. */
export interface CreateDatabaseOptions {
  owner: string;
  template?: string;
  encoding?: string;
  locale?: string;
  localeProvider?: string;
  localeCollate?: string;
  localeCType?: string;
  icuLocale?: string;
  icuRules?: string;
  builtinLocale?: string;
  collationVersion?: string;
  isTemplate?: boolean;
  allowConnections?: boolean;
  connectionLimit?: number;
  tablespace?: string;
}

/** The settings ALTER DATABASE changes on an existing database. */
export type DatabaseSetting =
  | { field: 'owner'; value: string }
  | { field: 'allowConnections'; value: boolean }
  | { field: 'connectionLimit'; value: number }
  | { field: 'isTemplate'; value: boolean }
  | { field: 'tablespace'; value: string };

/** Database-level actions run in the maintenance database; object actions run inside `database`. */
export type DatabaseAction =
  | { kind: 'createDatabase'; database: string; options: CreateDatabaseOptions }
  | { kind: 'alterDatabase'; database: string; setting: DatabaseSetting }
  | { kind: 'dropDatabase'; database: string }
  | { kind: 'createExtension'; database: string; name: string; version?: string; schema?: string }
  | { kind: 'updateExtension'; database: string; name: string; version: string }
  | { kind: 'setExtensionSchema'; database: string; name: string; schema: string }
  | { kind: 'dropExtension'; database: string; name: string }
  | { kind: 'createSchema'; database: string; name: string; owner?: string }
  | { kind: 'alterSchemaOwner'; database: string; name: string; owner: string }
  | { kind: 'dropSchema'; database: string; name: string }
  | ForeignDataAction;

export type DatabaseActionKind = DatabaseAction['kind'];

const DATABASE_LEVEL: ReadonlySet<DatabaseActionKind> = new Set(['createDatabase', 'alterDatabase', 'dropDatabase']);

/** Whether the action acts on the database itself (run from another database) or inside it. */
export function isDatabaseLevel(action: DatabaseAction): boolean {
  return DATABASE_LEVEL.has(action.kind);
}

/** The status lists that have an entry per object of the spec. */
export type ObjectList = 'extensions' | 'schemas' | 'fdws' | 'servers';

/** The object an object action is about, for its status entry. */
export function actionObject(action: DatabaseAction): { list: ObjectList; name: string } | undefined {
  if (isForeignDataAction(action)) return foreignActionObject(action);
  switch (action.kind) {
    case 'createExtension':
    case 'updateExtension':
    case 'setExtensionSchema':
    case 'dropExtension':
      return { list: 'extensions', name: action.name };
    case 'createSchema':
    case 'alterSchemaOwner':
    case 'dropSchema':
      return { list: 'schemas', name: action.name };
    default:
      return undefined;
  }
}

function integer(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return String(value);
}

const bool = (value: boolean) => (value ? 'true' : 'false');

function createOptions(o: CreateDatabaseOptions): string[] {
  const text: Array<[string, string | undefined]> = [
    ['ENCODING', o.encoding],
    ['LOCALE', o.locale],
    ['LOCALE_PROVIDER', o.localeProvider],
    ['LC_COLLATE', o.localeCollate],
    ['LC_CTYPE', o.localeCType],
    ['ICU_LOCALE', o.icuLocale],
    ['ICU_RULES', o.icuRules],
    ['BUILTIN_LOCALE', o.builtinLocale],
    ['COLLATION_VERSION', o.collationVersion],
  ];
  return [
    `OWNER ${quoteIdent(o.owner)}`,
    ...(o.template === undefined ? [] : [`TEMPLATE ${quoteIdent(o.template)}`]),
    ...(o.tablespace === undefined ? [] : [`TABLESPACE ${quoteIdent(o.tablespace)}`]),
    ...(o.allowConnections === undefined ? [] : [`ALLOW_CONNECTIONS ${bool(o.allowConnections)}`]),
    ...(o.connectionLimit === undefined ? [] : [`CONNECTION LIMIT ${integer(o.connectionLimit)}`]),
    ...(o.isTemplate === undefined ? [] : [`IS_TEMPLATE ${bool(o.isTemplate)}`]),
    ...text.filter((e): e is [string, string] => e[1] !== undefined).map(([key, value]) => `${key} ${quoteLiteral(value)}`),
  ];
}

function alterSetting(database: string, s: DatabaseSetting): string {
  const db = quoteIdent(database);
  switch (s.field) {
    case 'owner':
      return `ALTER DATABASE ${db} OWNER TO ${quoteIdent(s.value)}`;
    case 'allowConnections':
      return `ALTER DATABASE ${db} WITH ALLOW_CONNECTIONS ${bool(s.value)}`;
    case 'connectionLimit':
      return `ALTER DATABASE ${db} WITH CONNECTION LIMIT ${integer(s.value)}`;
    case 'isTemplate':
      return `ALTER DATABASE ${db} WITH IS_TEMPLATE ${bool(s.value)}`;
    case 'tablespace':
      return `ALTER DATABASE ${db} SET TABLESPACE ${quoteIdent(s.value)}`;
    default: {
      const never: never = s;
      throw new Error(`unknown database setting ${JSON.stringify(never)}`);
    }
  }
}

/** The statement an action runs; object actions are meant for a connection to `action.database`. */
export function databaseActionSql(action: DatabaseAction): string {
  if (isForeignDataAction(action)) return foreignDataActionSql(action);
  switch (action.kind) {
    case 'createDatabase':
      return `CREATE DATABASE ${quoteIdent(action.database)} WITH ${createOptions(action.options).join(' ')}`;
    case 'alterDatabase':
      return alterSetting(action.database, action.setting);
    case 'dropDatabase':
      return `DROP DATABASE IF EXISTS ${quoteIdent(action.database)}`;
    case 'createExtension': {
      const version = action.version === undefined ? '' : ` VERSION ${quoteLiteral(action.version)}`;
      const schema = action.schema === undefined ? '' : ` SCHEMA ${quoteIdent(action.schema)}`;
      return `CREATE EXTENSION IF NOT EXISTS ${quoteIdent(action.name)}${schema}${version}`;
    }
    case 'updateExtension':
      return `ALTER EXTENSION ${quoteIdent(action.name)} UPDATE TO ${quoteLiteral(action.version)}`;
    case 'setExtensionSchema':
      return `ALTER EXTENSION ${quoteIdent(action.name)} SET SCHEMA ${quoteIdent(action.schema)}`;
    case 'dropExtension':
      return `DROP EXTENSION IF EXISTS ${quoteIdent(action.name)}`;
    case 'createSchema':
      return `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(action.name)}${action.owner === undefined ? '' : ` AUTHORIZATION ${quoteIdent(action.owner)}`}`;
    case 'alterSchemaOwner':
      return `ALTER SCHEMA ${quoteIdent(action.name)} OWNER TO ${quoteIdent(action.owner)}`;
    case 'dropSchema':
      return `DROP SCHEMA IF EXISTS ${quoteIdent(action.name)}`;
    default: {
      const never: never = action;
      throw new Error(`unknown database action ${JSON.stringify(never)}`);
    }
  }
}

/** What a primary reports about one database: the settings ALTER DATABASE keeps, and its objects. */
export interface ObservedDatabase {
  exists: boolean;
  owner?: string;
  allowConnections?: boolean;
  connectionLimit?: number;
  isTemplate?: boolean;
  tablespace?: string;
  /** Installed extensions by name; read only where the database accepts connections. */
  extensions?: Record<string, { version: string; schema: string }>;
  schemas?: Record<string, { owner: string }>;
  fdws?: Record<string, ObservedFdw>;
  servers?: Record<string, ObservedServer>;
}

/** Reads one database's row of pg_database (in any database of the instance). */
export const OBSERVE_DATABASE_SQL = `
SELECT pg_catalog.pg_get_userbyid(d.datdba) AS owner, d.datallowconn AS "allowConnections",
       d.datconnlimit AS "connectionLimit", d.datistemplate AS "isTemplate", t.spcname AS tablespace
FROM pg_catalog.pg_database d JOIN pg_catalog.pg_tablespace t ON t.oid = d.dattablespace
WHERE d.datname = $1`;

/** Inside the database: the named extensions that are installed. */
export const OBSERVE_EXTENSIONS_SQL = `
SELECT e.extname AS name, e.extversion AS version, n.nspname AS schema
FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname = ANY($1::text[])`;

/** Inside the database: the named schemas that exist. */
export const OBSERVE_SCHEMAS_SQL = `
SELECT n.nspname AS name, pg_catalog.pg_get_userbyid(n.nspowner) AS owner
FROM pg_catalog.pg_namespace n
WHERE n.nspname = ANY($1::text[])`;
