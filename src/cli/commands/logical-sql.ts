// Pure: the SQL of the plugin's logical replication verbs (publication create|drop, subscription
// create|drop|sync-sequences), from command-line values. CloudNativePG's plugin splices table
// expressions and WITH parameters in as typed; here every name is checked and quoted as an
// identifier and every parameter value as a literal, so a command line cannot inject SQL.
import { hasControlCharacter } from '../../api/control-characters.js';
import { createPublicationSql, createSubscriptionSql, type PublicationTargetSpec } from '../../postgres/logical-replication.js';
import { quoteIdent, quoteLiteral } from '../../postgres/sql.js';
import { CliError } from '../client.js';

/** PostgreSQL's identifier limit (NAMEDATALEN - 1), in bytes. */
const MAX_NAME_BYTES = 63;

/** A name PostgreSQL keeps as given: not empty, no control character, at most 63 bytes. */
export function checkName(flag: string, value: string | undefined): string {
  const name = (value ?? '').trim();
  if (name === '') throw new CliError(`error: --${flag} is required: the name of the object`);
  if (hasControlCharacter(name)) throw new CliError(`error: --${flag} ${JSON.stringify(name)}: a name cannot contain a control character`);
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) throw new CliError(`error: --${flag} ${JSON.stringify(name)}: at most ${MAX_NAME_BYTES} bytes`);
  return name;
}

/** `--table [schema.]name`: one dot at most, each part a name; no expression, column list or WHERE. */
export function parseTable(value: string): { schema?: string; name: string } {
  const parts = value.trim().split('.');
  if (parts.length > 2 || parts.some((p) => p === '')) {
    throw new CliError(`error: --table ${JSON.stringify(value)}: give a table as NAME or SCHEMA.NAME`);
  }
  const [first, second] = parts as [string, string | undefined];
  return second === undefined ? { name: checkName('table', first) } : { schema: checkName('table', first), name: checkName('table', second) };
}

const PARAMETER_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * `--parameters "k = v, k2 = v2"`, as CloudNativePG's plugin takes them: each name a plain
 * lowercase word, each value (quotes around it optional) passed as a literal. A value holding a
 * comma (`publish = 'insert,update'`) is quoted.
 */
export function parseParameters(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (text === undefined || text.trim() === '') return out;
  if (hasControlCharacter(text)) throw new CliError('error: --parameters cannot contain a control character');
  const item = /\s*([^=,\s]+)\s*=\s*('(?:[^']|'')*'|[^,']*?)\s*(?:,|$)/y;
  let at = 0;
  while (at < text.length) {
    item.lastIndex = at;
    const m = item.exec(text);
    if (!m || m[0] === '') throw new CliError(`error: --parameters ${JSON.stringify(text)}: expected NAME = VALUE, separated by commas, at ${JSON.stringify(text.slice(at))}`);
    const [, name = '', raw = ''] = m;
    if (!PARAMETER_NAME.test(name)) throw new CliError(`error: --parameters: ${JSON.stringify(name)} is not a parameter name (lowercase letters, digits and _)`);
    if (raw === '') throw new CliError(`error: --parameters: ${name} has no value`);
    out[name] = raw.startsWith("'") ? raw.slice(1, -1).replaceAll("''", "'") : raw;
    at = item.lastIndex;
  }
  return out;
}

export interface PublicationCreate {
  publication: string;
  allTables?: boolean;
  schema?: string[];
  table?: string[];
  parameters?: string;
}

export function publicationCreateSql(o: PublicationCreate): string {
  const name = checkName('publication', o.publication);
  const schemas = o.schema ?? [];
  const tables = o.table ?? [];
  if (!o.allTables && schemas.length === 0 && tables.length === 0) throw new CliError('error: one of --all-tables, --schema or --table is required');
  if (o.allTables && (schemas.length > 0 || tables.length > 0)) throw new CliError('error: --all-tables cannot be combined with --schema or --table');
  const target: PublicationTargetSpec = o.allTables
    ? { allTables: true }
    : { objects: [...schemas.map((s) => ({ tablesInSchema: checkName('schema', s) })), ...tables.map((t) => ({ table: parseTable(t) }))] };
  return createPublicationSql({ name, target, parameters: parseParameters(o.parameters) });
}

export function publicationDropSql(publication: string): string {
  return `DROP PUBLICATION ${quoteIdent(checkName('publication', publication))}`;
}

export function subscriptionCreateSql(o: { subscription: string; publication: string; parameters?: string }, conninfo: string): string {
  const spec = { name: checkName('subscription', o.subscription), publicationName: checkName('publication', o.publication), parameters: parseParameters(o.parameters) };
  return createSubscriptionSql(spec, conninfo);
}

export function subscriptionDropSql(subscription: string): string {
  return `DROP SUBSCRIPTION ${quoteIdent(checkName('subscription', subscription))}`;
}

export function subscriptionConninfoSql(subscription: string): string {
  return `SELECT subconninfo FROM pg_catalog.pg_subscription WHERE subname = ${quoteLiteral(checkName('subscription', subscription))}`;
}

/** Every sequence with its last value (null: never used), as one JSON array. */
export const SEQUENCES_SQL = `SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object('schema', schemaname, 'name', sequencename, 'value', last_value::text)), '[]') FROM pg_catalog.pg_sequences`;

interface SequenceState {
  schema: string;
  name: string;
  value: string | null;
}

/** What SEQUENCES_SQL printed, by qualified name. */
export function parseSequences(json: string): Map<string, string | null> {
  const rows = JSON.parse(json.trim() || '[]') as SequenceState[];
  return new Map(rows.map((r) => [`${quoteIdent(r.schema)}.${quoteIdent(r.name)}`, r.value]));
}

/**
 * setval for each destination sequence the source has too, to the source's value plus `offset`
 * (a sequence never used on the source is left to setval's NULL, which changes nothing).
 */
export function syncSequencesSql(source: Map<string, string | null>, destination: Map<string, string | null>, offset: number): string {
  if (!Number.isSafeInteger(offset)) throw new CliError(`error: --offset ${offset}: must be an integer`);
  const lines: string[] = [];
  for (const name of [...destination.keys()].sort()) {
    if (!source.has(name)) continue;
    const value = source.get(name);
    const target = value === null || value === undefined ? 'NULL' : offset !== 0 ? `${BigInt(value) + BigInt(offset)}` : `${BigInt(value)}`;
    lines.push(`SELECT pg_catalog.setval(${quoteLiteral(name)}, ${target});`);
  }
  return lines.join('\n');
}
