// The SQL of declarative logical replication: CREATE/ALTER/DROP PUBLICATION and SUBSCRIPTION from
// the Publication and Subscription kinds. Every name is quoted as an identifier, every value and
// connection string as a literal.
import { quoteIdent, quoteLiteral } from './sql.js';

export interface PublicationTable {
  name: string;
  schema?: string;
  only?: boolean;
  columns?: string[];
}

export interface PublicationTargetSpec {
  allTables?: boolean;
  objects?: Array<{ tablesInSchema?: string; table?: PublicationTable }>;
}

export interface PublicationSpec {
  name: string;
  target: PublicationTargetSpec;
  parameters: Record<string, string>;
}

export interface SubscriptionSpec {
  name: string;
  publicationName: string;
  parameters: Record<string, string>;
}

/** `"k" = 'v', …`, sorted by name so that the same spec always gives the same statement. */
export function withClause(parameters: Record<string, string>): string {
  return Object.keys(parameters)
    .sort()
    .map((k) => `${quoteIdent(k)} = ${quoteLiteral(parameters[k] ?? '')}`)
    .join(', ');
}

function tableSql(t: PublicationTable): string {
  const name = `${t.only ? 'ONLY ' : ''}${t.schema ? `${quoteIdent(t.schema)}.` : ''}${quoteIdent(t.name)}`;
  return t.columns && t.columns.length > 0 ? `${name} (${t.columns.map(quoteIdent).join(', ')})` : name;
}

/**
 * The object list of FOR / SET: consecutive tables under one TABLE keyword, which PostgreSQL 13
 * and 14 need (they know no TABLES IN SCHEMA, and one TABLE per table is a 15+ form).
 */
export function publicationObjectsSql(target: PublicationTargetSpec): string {
  const parts: string[] = [];
  let tables: string[] = [];
  const flush = () => {
    if (tables.length > 0) parts.push(`TABLE ${tables.join(', ')}`);
    tables = [];
  };
  for (const o of target.objects ?? []) {
    if (o.tablesInSchema !== undefined) {
      flush();
      parts.push(`TABLES IN SCHEMA ${quoteIdent(o.tablesInSchema)}`);
    } else if (o.table) tables.push(tableSql(o.table));
  }
  flush();
  return parts.join(', ');
}

export function createPublicationSql(p: PublicationSpec): string {
  const target = p.target.allTables ? ' FOR ALL TABLES' : (p.target.objects?.length ?? 0) > 0 ? ` FOR ${publicationObjectsSql(p.target)}` : '';
  const params = Object.keys(p.parameters).length > 0 ? ` WITH (${withClause(p.parameters)})` : '';
  return `CREATE PUBLICATION ${quoteIdent(p.name)}${target}${params}`;
}

/** Brings an existing publication to the spec: its object list (allTables cannot change) and parameters. */
export function alterPublicationSql(p: PublicationSpec): string[] {
  const ident = quoteIdent(p.name);
  const statements: string[] = [];
  if (!p.target.allTables && (p.target.objects?.length ?? 0) > 0) statements.push(`ALTER PUBLICATION ${ident} SET ${publicationObjectsSql(p.target)}`);
  if (Object.keys(p.parameters).length > 0) statements.push(`ALTER PUBLICATION ${ident} SET (${withClause(p.parameters)})`);
  return statements;
}

export function dropPublicationSql(name: string): string {
  return `DROP PUBLICATION IF EXISTS ${quoteIdent(name)}`;
}

export function createSubscriptionSql(s: SubscriptionSpec, conninfo: string): string {
  const params = Object.keys(s.parameters).length > 0 ? ` WITH (${withClause(s.parameters)})` : '';
  return `CREATE SUBSCRIPTION ${quoteIdent(s.name)} CONNECTION ${quoteLiteral(conninfo)} PUBLICATION ${quoteIdent(s.publicationName)}${params}`;
}

/** The parameters ALTER SUBSCRIPTION … SET takes; the others only count at creation. */
export function alterableSubscriptionParameters(major: number): string[] {
  const names = ['slot_name', 'synchronous_commit', 'binary', 'streaming', 'disable_on_error', 'password_required', 'run_as_owner', 'origin', 'failover'];
  return major >= 18 ? [...names, 'two_phase'] : names;
}

/**
 * Brings an existing subscription to the spec. The connection is set only when it differs from
 * the stored one (`current`): setting it restarts the apply worker, and writes the catalog.
 */
export function alterSubscriptionSql(s: SubscriptionSpec, conninfo: string, current: { conninfo: string; publications: string[] }, major: number): string[] {
  const ident = quoteIdent(s.name);
  const statements: string[] = [];
  if (current.publications.length !== 1 || current.publications[0] !== s.publicationName) {
    statements.push(`ALTER SUBSCRIPTION ${ident} SET PUBLICATION ${quoteIdent(s.publicationName)}`);
  }
  if (current.conninfo !== conninfo) statements.push(`ALTER SUBSCRIPTION ${ident} CONNECTION ${quoteLiteral(conninfo)}`);
  const allowed = alterableSubscriptionParameters(major);
  const settable = Object.fromEntries(Object.entries(s.parameters).filter(([k]) => allowed.includes(k)));
  if (Object.keys(settable).length > 0) statements.push(`ALTER SUBSCRIPTION ${ident} SET (${withClause(settable)})`);
  return statements;
}

export function dropSubscriptionSql(name: string): string {
  return `DROP SUBSCRIPTION IF EXISTS ${quoteIdent(name)}`;
}
