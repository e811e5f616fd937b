// The Grafana dashboard and the PrometheusRule shipped in docs/monitoring, read as data: their PromQL
// expressions, the metric names those use, and the rule groups as a Prometheus rule file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { MonitoringQuery } from '../../src/api/monitoring-queries.js';
import { repoRoot } from '../../src/api/repo-root.js';

export const DASHBOARD_FILE = join(repoRoot(), 'docs', 'monitoring', 'grafana-dashboard.json');
export const RULE_FILE = join(repoRoot(), 'docs', 'monitoring', 'prometheus-rule.yaml');

export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: Array<{ expr: string; refId: string; datasource?: { type: string; uid: string } }>;
  panels?: DashboardPanel[];
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: DashboardPanel[];
  templating: { list: Array<{ name: string; type: string; query?: { query: string } | string }> };
}

export interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface PrometheusRule {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: { groups: Array<{ name: string; rules: Rule[] }> };
}

export const readDashboard = (): Dashboard => JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
export const readPrometheusRule = (): PrometheusRule => parse(readFileSync(RULE_FILE, 'utf8')) as PrometheusRule;

/** What Prometheus itself loads (`rule_files`): the PrometheusRule's spec. */
export const ruleFileText = (rule: PrometheusRule = readPrometheusRule()): string => stringify(rule.spec);

export function dashboardPanels(d: Dashboard = readDashboard()): DashboardPanel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** Every PromQL expression of the dashboard: its panels' queries and its variables' label_values(). */
export function dashboardExprs(d: Dashboard = readDashboard()): string[] {
  const panels = dashboardPanels(d).flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  const variables = d.templating.list.flatMap((v) => {
    const q = typeof v.query === 'string' ? v.query : v.query?.query;
    const inner = q?.match(/^label_values\((.*),\s*[a-zA-Z_]+\)$/)?.[1];
    return inner ? [inner] : [];
  });
  return [...panels, ...variables];
}

export const ruleExprs = (r: PrometheusRule = readPrometheusRule()): string[] => r.spec.groups.flatMap((g) => g.rules.map((x) => x.expr));
export const recordedNames = (r: PrometheusRule = readPrometheusRule()): string[] => r.spec.groups.flatMap((g) => g.rules.flatMap((x) => (x.record ? [x.record] : [])));
export const alertNames = (r: PrometheusRule = readPrometheusRule()): string[] => r.spec.groups.flatMap((g) => g.rules.flatMap((x) => (x.alert ? [x.alert] : [])));

/**
 * The exporter's metric names an expression reads (`cnpg_…`). String literals are dropped first, so a
 * label value such as slot_name=~"_cnpg_.+" is not taken for a metric; recording rules' `cnpg:…`
 * names are not exporter metrics and do not match.
 */
export function metricNamesIn(expr: string): string[] {
  const code = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  return [...new Set(code.match(/(?<![A-Za-z0-9_:])cnpg_[A-Za-z0-9_]+(?![A-Za-z0-9_:(])/g) ?? [])];
}

/** A dashboard query as Grafana sends it: variables replaced by values that select everything. */
export function withDashboardVariables(expr: string): string {
  return expr
    .replace(/\$__rate_interval/g, '1m')
    .replace(/\$\{?(namespace|cluster|instance)\}?/g, '.*');
}

/**
 * The built-in families every exporter serves: CloudNativePG's `cnpg_collector_*` and the user
 * queries' own figures. The error counters are labelled by what failed, so, as in CloudNativePG,
 * they have series only once something failed (ERROR_FAMILIES).
 */
export const COLLECTOR_FAMILIES = [
  'up', 'collections_total', 'last_collection_error', 'collection_duration_seconds',
  'pg_wal', 'pg_wal_archive_status', 'postgres_version', 'first_recoverability_point',
  'last_available_backup_timestamp', 'last_failed_backup_timestamp', 'fencing_on', 'manual_switchover_required',
  'replica_mode', 'sync_replicas', 'nodes_used',
  // pg_stat_wal, PostgreSQL 14 and later
  'wal_records', 'wal_fpi', 'wal_bytes', 'wal_buffers_full', 'wal_write', 'wal_sync', 'wal_write_time', 'wal_sync_time',
].map((n) => `cnpg_collector_${n}`).concat(['cnpg_last_error', 'cnpg_last_update_timestamp', 'cnpg_cache_hits', 'cnpg_cache_miss']);

export const ERROR_FAMILIES = ['cnpg_collector_collection_errors_total', 'cnpg_errors_total'];

/**
 * The metric names a query set produces (`cnpg_<name ?? key>_<column name ?? column>`), the
 * queries and columns meant for other server versions left out when `runsOn` says so.
 */
export function queryMetricNames(queries: MonitoringQuery[], runsOn: (range: string) => boolean = () => true): string[] {
  const names: string[] = [];
  for (const q of queries) {
    if (q.runOnServer && !runsOn(q.runOnServer)) continue;
    for (const c of q.columns) {
      if (c.usage === 'LABEL' || c.usage === 'DISCARD' || (c.pgVersion && !runsOn(c.pgVersion))) continue;
      const base = `cnpg_${q.name ?? q.key}_${c.name ?? c.column}`;
      if (c.usage === 'HISTOGRAM') names.push(`${base}_bucket`, `${base}_sum`, `${base}_count`);
      else names.push(base);
    }
  }
  return [...new Set(names)];
}
