// CloudNativePG's custom-query format (the YAML under a ConfigMap or Secret key that
// spec.monitoring.customQueriesConfigMap/Secret names), parsed into data. A document that does not
// fit is refused whole, with the path of each problem, before any instance runs a query from it.
import { parseDocument } from 'yaml';
import { hasControlCharacter } from './control-characters.js';
import type { Finding } from './errors.js';
import { findTooDeep, MAX_YAML_ALIASES } from './yaml-bounds.js';

export const COLUMN_USAGES = ['DISCARD', 'LABEL', 'COUNTER', 'GAUGE', 'MAPPEDMETRIC', 'DURATION', 'HISTOGRAM'] as const;
export type ColumnUsage = (typeof COLUMN_USAGES)[number];

export interface QueryColumn {
  /** The result column this describes. */
  column: string;
  usage: ColumnUsage;
  description: string;
  /** Overrides the column's part of the metric name. */
  name?: string;
  /** MAPPEDMETRIC: the value each text of the column stands for. */
  metricMapping?: Record<string, number>;
  /** A semver range of PostgreSQL versions the column exists on (`pg_version`). */
  pgVersion?: string;
}

export interface MonitoringQuery {
  /** The query's key in the document; metric names are `cnpg_<name ?? key>_<column>`. */
  key: string;
  name?: string;
  query: string;
  columns: QueryColumn[];
  /** Runs on the primary only (`primary`, or the deprecated `master`). */
  primary: boolean;
  /** A semver range of PostgreSQL versions to run on (`runonserver`). */
  runOnServer?: string;
  /** Databases to run in: names, shell-like patterns, `*` for every connectable one; absent: the default database. */
  targetDatabases?: string[];
  /** One boolean row: the query runs only when it is true. */
  predicateQuery?: string;
}

const QUERY_KEYS = ['query', 'predicate_query', 'metrics', 'master', 'primary', 'cache_seconds', 'runonserver', 'target_databases', 'name'];
const COLUMN_KEYS = ['usage', 'description', 'metric_mapping', 'pg_version', 'name'];
/** A Prometheus metric name part: what cnpg_<query>_<column> may be built from. */
const NAME_PART = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** SQL may span lines and be indented with tabs; nothing else below a space belongs in it. */
const controlInSql = (sql: string): boolean => hasControlCharacter(sql.replace(/[\t\n\r]/g, ' '));

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function text(v: unknown, path: string, findings: Finding[], required: boolean, sql = false): string | undefined {
  if (v === undefined || v === null) {
    if (required) findings.push({ path, message: 'is required' });
    return undefined;
  }
  if (typeof v !== 'string' || (required && v.trim() === '')) {
    findings.push({ path, message: `must be ${required ? 'a non-empty string' : 'a string'}` });
    return undefined;
  }
  if (sql ? controlInSql(v) : hasControlCharacter(v)) {
    findings.push({ path, message: sql ? 'must not contain control characters other than newlines and tabs' : 'must not contain control characters such as newlines or tabs' });
    return undefined;
  }
  return v;
}

function flag(v: unknown, path: string, findings: Finding[]): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') findings.push({ path, message: 'must be true or false' });
  return v === true;
}

function unknownKeys(obj: Record<string, unknown>, allowed: string[], path: string, findings: Finding[]): void {
  for (const k of Object.keys(obj)) if (!allowed.includes(k)) findings.push({ path: `${path}.${k}`, message: 'is not a field of a custom query', allowed });
}

function nameOverride(v: unknown, path: string, findings: Finding[]): string | undefined {
  const name = text(v, path, findings, false);
  if (name !== undefined && !NAME_PART.test(name)) findings.push({ path, message: 'must be a Prometheus name part: letters, digits and _, not starting with a digit' });
  return name;
}

function parseColumn(entry: unknown, path: string, findings: Finding[]): QueryColumn | undefined {
  if (!isMap(entry) || Object.keys(entry).length !== 1) {
    findings.push({ path, message: 'must be a mapping of one column name to its usage' });
    return undefined;
  }
  const [column, spec] = Object.entries(entry)[0]!;
  const at = `${path}.${column}`;
  if (!NAME_PART.test(column)) findings.push({ path: at, message: 'the column name must be letters, digits and _, not starting with a digit' });
  if (!isMap(spec)) {
    findings.push({ path: at, message: 'must be a mapping with usage and description' });
    return undefined;
  }
  unknownKeys(spec, COLUMN_KEYS, at, findings);
  const usage = text(spec.usage, `${at}.usage`, findings, true);
  if (usage !== undefined && !(COLUMN_USAGES as readonly string[]).includes(usage)) findings.push({ path: `${at}.usage`, message: `unknown usage ${JSON.stringify(usage)}`, allowed: COLUMN_USAGES });
  const description = text(spec.description, `${at}.description`, findings, false) ?? '';
  const name = nameOverride(spec.name, `${at}.name`, findings);
  const pgVersion = text(spec.pg_version, `${at}.pg_version`, findings, false);
  let metricMapping: Record<string, number> | undefined;
  if (spec.metric_mapping !== undefined && spec.metric_mapping !== null) {
    if (!isMap(spec.metric_mapping) || Object.values(spec.metric_mapping).some((n) => typeof n !== 'number' || !Number.isFinite(n))) {
      findings.push({ path: `${at}.metric_mapping`, message: 'must map each text value to a number' });
    } else metricMapping = spec.metric_mapping as Record<string, number>;
  }
  if (usage === 'MAPPEDMETRIC' && !metricMapping) findings.push({ path: `${at}.metric_mapping`, message: 'is required with usage MAPPEDMETRIC' });
  return { column, usage: usage as ColumnUsage, description, ...(name ? { name } : {}), ...(metricMapping ? { metricMapping } : {}), ...(pgVersion ? { pgVersion } : {}) };
}

function parseQuery(key: string, spec: unknown, findings: Finding[]): MonitoringQuery | undefined {
  if (!NAME_PART.test(key)) findings.push({ path: key, message: 'a query key must be letters, digits and _, not starting with a digit (it names the metrics)' });
  if (!isMap(spec)) {
    findings.push({ path: key, message: 'must be a mapping with query and metrics' });
    return undefined;
  }
  unknownKeys(spec, QUERY_KEYS, key, findings);
  const query = text(spec.query, `${key}.query`, findings, true, true);
  const columns: QueryColumn[] = [];
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) findings.push({ path: `${key}.metrics`, message: 'must be a non-empty list of columns' });
  else spec.metrics.forEach((entry, i) => {
    const column = parseColumn(entry, `${key}.metrics[${i}]`, findings);
    if (column) columns.push(column);
  });
  let targetDatabases: string[] | undefined;
  if (spec.target_databases !== undefined && spec.target_databases !== null) {
    if (!Array.isArray(spec.target_databases) || spec.target_databases.length === 0) findings.push({ path: `${key}.target_databases`, message: 'must be a non-empty list of database names or patterns' });
    else targetDatabases = spec.target_databases.map((d, i) => text(d, `${key}.target_databases[${i}]`, findings, true) ?? '');
  }
  const name = nameOverride(spec.name, `${key}.name`, findings);
  const runOnServer = text(spec.runonserver, `${key}.runonserver`, findings, false);
  const predicateQuery = text(spec.predicate_query, `${key}.predicate_query`, findings, false, true);
  const primary = flag(spec.primary, `${key}.primary`, findings) || flag(spec.master, `${key}.master`, findings);
  if (spec.cache_seconds !== undefined && (typeof spec.cache_seconds !== 'number' || spec.cache_seconds < 0)) findings.push({ path: `${key}.cache_seconds`, message: 'must be a non-negative number (it is accepted and not used: results are cached for metricsQueriesTTL)' });
  if (query === undefined) return undefined;
  return {
    key,
    ...(name ? { name } : {}),
    query,
    columns,
    primary,
    ...(runOnServer ? { runOnServer } : {}),
    ...(targetDatabases ? { targetDatabases } : {}),
    ...(predicateQuery ? { predicateQuery } : {}),
  };
}

export interface ParsedQueries {
  queries: MonitoringQuery[];
  /** Paths are relative to the document: `<query key>.metrics[<i>].<column>.usage`. */
  findings: Finding[];
}

/** Parses one document of custom queries; any finding means the document must not be used. */
export function parseMonitoringQueries(source: string): ParsedQueries {
  const findings: Finding[] = [];
  const deep = findTooDeep(source);
  if (deep) return { queries: [], findings: [{ path: '', message: `nests too deeply at line ${deep.line}` }] };
  const doc = parseDocument(source, { uniqueKeys: true });
  if (doc.errors.length > 0) return { queries: [], findings: doc.errors.map((e) => ({ path: '', message: `is not valid YAML: ${e.message.split('\n')[0]}` })) };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (e) {
    return { queries: [], findings: [{ path: '', message: `is not valid YAML: ${(e as Error).message}` }] };
  }
  if (value === null || value === undefined) return { queries: [], findings: [] };
  if (!isMap(value)) return { queries: [], findings: [{ path: '', message: 'must be a mapping of query names to queries' }] };
  const queries: MonitoringQuery[] = [];
  for (const [key, spec] of Object.entries(value)) {
    const query = parseQuery(key, spec, findings);
    if (query) queries.push(query);
  }
  return { queries, findings };
}

/** Later documents override earlier queries of the same key, as CloudNativePG merges them. */
export function mergeQueries(documents: MonitoringQuery[][]): MonitoringQuery[] {
  const byKey = new Map<string, MonitoringQuery>();
  for (const queries of documents) for (const q of queries) byKey.set(q.key, q);
  return [...byKey.values()];
}
