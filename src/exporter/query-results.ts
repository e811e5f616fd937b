// One user query's result rows turned into metric families, as CloudNativePG names them:
// `cnpg_<query name>_<column name>`, LABEL columns as labels of every metric of the row.
import type { MonitoringQuery, QueryColumn } from '../api/monitoring-queries.js';
import type { FamilySet } from './family.js';
import { durationMilliseconds, numberArray, toLabel, toNumber } from './values.js';

export const METRIC_PREFIX = 'cnpg';

export interface ResultField {
  name: string;
  dataTypeID: number;
}

export type ResultRow = Record<string, string | null>;

/** Where a column's values go: the metric name and how it reads the value. */
export function metricName(query: MonitoringQuery, column: QueryColumn): string {
  const base = `${METRIC_PREFIX}_${query.name ?? query.key}_${column.name ?? column.column}`;
  return column.usage === 'DURATION' ? `${base}_milliseconds` : base;
}

/**
 * Adds the rows' samples to `into`; returns the problems found (a declared column the result lacks,
 * a value that is not a number), which make the query count as failed.
 */
export function addQueryResults(into: FamilySet, query: MonitoringQuery, fields: ResultField[], rows: ResultRow[], columnApplies: (c: QueryColumn) => boolean = () => true): string[] {
  const problems: string[] = [];
  const types = new Map(fields.map((f) => [f.name, f.dataTypeID]));
  const columns = query.columns.filter(columnApplies);
  const missing = columns.filter((c) => !types.has(c.column)).map((c) => c.column);
  if (missing.length > 0) return [`the result has no column ${missing.join(', ')}`];
  const labelColumns = columns.filter((c) => c.usage === 'LABEL');
  for (const row of rows) {
    const labels: Record<string, string> = {};
    for (const c of labelColumns) labels[c.column] = toLabel(row[c.column] ?? null, types.get(c.column)!);
    for (const c of columns) {
      const problem = addColumn(into, query, c, row, types, labels);
      if (problem) problems.push(problem);
    }
  }
  return problems;
}

function addColumn(into: FamilySet, query: MonitoringQuery, c: QueryColumn, row: ResultRow, types: Map<string, number>, labels: Record<string, string>): string | undefined {
  const name = metricName(query, c);
  const raw = row[c.column] ?? null;
  switch (c.usage) {
    case 'DISCARD':
    case 'LABEL':
      return undefined;
    case 'GAUGE':
    case 'COUNTER': {
      const value = toNumber(raw, types.get(c.column)!);
      if (value === undefined) return `column ${c.column}: ${JSON.stringify(raw)} is not a number`;
      into.add(name, c.description, c.usage === 'GAUGE' ? 'gauge' : 'counter', { labels, value });
      return undefined;
    }
    case 'MAPPEDMETRIC': {
      // A text the mapping does not know yields no sample, as in CloudNativePG.
      const value = raw === null ? undefined : c.metricMapping?.[raw];
      if (value !== undefined) into.add(name, c.description, 'gauge', { labels, value });
      return undefined;
    }
    case 'DURATION': {
      const value = durationMilliseconds(raw);
      if (value !== undefined) into.add(name, c.description, 'gauge', { labels, value });
      return undefined;
    }
    case 'HISTOGRAM':
      return addHistogram(into, name, c, row, types, labels);
  }
}

/** `<col>` holds the bucket bounds, `<col>_bucket` the cumulative counts, `<col>_sum` and `<col>_count` the totals. */
function addHistogram(into: FamilySet, name: string, c: QueryColumn, row: ResultRow, types: Map<string, number>, labels: Record<string, string>): string | undefined {
  const bounds = numberArray(row[c.column] ?? null);
  const counts = numberArray(row[`${c.column}_bucket`] ?? null);
  const sum = toNumber(row[`${c.column}_sum`] ?? null, types.get(`${c.column}_sum`) ?? 0);
  const count = toNumber(row[`${c.column}_count`] ?? null, types.get(`${c.column}_count`) ?? 0);
  if (!bounds || !counts || sum === undefined || count === undefined || Number.isNaN(count)) {
    return `histogram ${c.column} needs number arrays ${c.column} and ${c.column}_bucket and numbers ${c.column}_sum and ${c.column}_count`;
  }
  const family = into.family(name, c.description, 'histogram');
  bounds.forEach((le, i) => {
    if (i < counts.length) family.samples.push({ labels: { ...labels, le: String(le) }, value: Math.max(0, counts[i]!), suffix: '_bucket' });
  });
  family.samples.push({ labels: { ...labels, le: '+Inf' }, value: count, suffix: '_bucket' });
  family.samples.push({ labels, value: sum, suffix: '_sum' });
  family.samples.push({ labels, value: count, suffix: '_count' });
  return undefined;
}
