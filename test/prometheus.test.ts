// A real Prometheus scrapes a running 3-instance local cluster, as a PodMonitor would scrape its Pods
// (target labels namespace and pod), with the shipped PrometheusRule loaded: every default and
// built-in metric family has a series, so do the custom queries of a ConfigMap, a query failing at
// run time sets cnpg_collector_last_collection_error without hiding the rest, every metric the
// Grafana dashboard and the rules read is served, and fencing a standby fires the HA alert.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { defaultMonitoringQueries } from '../src/api/default-monitoring-queries.js';
import { versionInRange } from '../src/exporter/version-range.js';
import { TestEnv, eventually, type LocalPod } from './support/env.js';
import { manifest, manifests } from './support/manifests.js';
import {
  COLLECTOR_FAMILIES,
  dashboardExprs,
  ERROR_FAMILIES,
  metricNamesIn,
  queryMetricNames,
  ruleExprs,
  ruleFileText,
  withDashboardVariables,
} from './support/monitoring-artifacts.js';
import { startPrometheus, type Prometheus, type Sample } from './support/prometheus.js';

const env = new TestEnv();
const CLUSTER = 'mon';
const CONFIG_MAP = 'mon-queries';
let prometheus: Prometheus | undefined;
let server = '';

const customQueries: Record<string, unknown> = {
  mon_tables: {
    query: 'SELECT pg_catalog.current_database() AS datname, pg_catalog.count(*) AS tables FROM pg_catalog.pg_tables',
    target_databases: ['app', 'postgres'],
    metrics: [{ datname: { usage: 'LABEL', description: 'Database' } }, { tables: { usage: 'GAUGE', description: 'Tables in the database' } }],
  },
  mon_primary: {
    query: 'SELECT 1 AS one',
    primary: true,
    metrics: [{ one: { usage: 'GAUGE', description: 'Served by the primary only' } }],
  },
};

const configMap = (queries: Record<string, unknown>): string =>
  stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: CONFIG_MAP }, data: { 'queries.yaml': stringify(queries) } });

const pods = (): Promise<LocalPod[]> => env.pods(CLUSTER);

interface MetricsPod extends LocalPod {
  status: LocalPod['status'] & { local: LocalPod['status']['local'] & { metricsPort?: number } };
}

async function query(promql: string): Promise<Sample[]> {
  assert.ok(prometheus);
  return prometheus.query(promql);
}

/** Metric names with a series in the last scrape of the cluster's targets. */
async function currentNames(): Promise<Set<string>> {
  return new Set((await query('count by (__name__) ({__name__=~"cnpg_.+"})')).map((s) => s.metric.__name__ ?? ''));
}

async function missing(expected: string[], timeoutMs = 60_000): Promise<string[]> {
  let gone: string[] = expected;
  await eventually('every expected metric family', async () => {
    const have = await currentNames();
    gone = expected.filter((n) => !have.has(n));
    return gone.length === 0;
  }, timeoutMs, 1_000).catch(() => undefined);
  return gone;
}

before(async () => {
  const cluster = manifest('cluster.yaml', {
    name: CLUSTER,
    spec: {
      instances: 3,
      monitoring: { customQueriesConfigMap: [{ name: CONFIG_MAP, key: 'queries.yaml' }], metricsQueriesTTL: '2s' },
    },
  });
  await env.ok(['apply', '-f', '-'], manifests(configMap(customQueries), cluster));
  await env.ok(['wait', '--for=condition=Ready', `cluster/${CLUSTER}`, '--timeout=240s'], undefined, 260_000);
  const targets = ((await pods()) as MetricsPod[]).map((p) => {
    assert.ok(p.status.local.metricsPort, `${p.metadata.name} has a metrics port`);
    return { address: `127.0.0.1:${p.status.local.metricsPort}`, labels: { namespace: 'default', pod: p.metadata.name } };
  });
  prometheus = await startPrometheus({ targets, rules: [ruleFileText()] });
  await eventually('Prometheus scraping all three instances', async () => {
    const up = await query('up == 1');
    return up.length === 3;
  }, 30_000, 500);
  const version = (await query('cnpg_collector_postgres_version'))[0]?.metric.full;
  assert.ok(version, 'cnpg_collector_postgres_version has a full version label');
  server = version;
});

after(async () => {
  await prometheus?.stop();
  await env.cleanup();
});

test('PromQL returns a series for every built-in collector family and every default query', async () => {
  const expected = [...COLLECTOR_FAMILIES, ...queryMetricNames(defaultMonitoringQueries(), (range) => versionInRange(server, range))];
  assert.ok(expected.length > 60, `${expected.length} families expected`);
  const gone = await missing(expected);
  assert.deepEqual(gone, [], `no series for ${gone.join(', ')}; unhealthy targets: ${JSON.stringify(await prometheus?.unhealthyTargets())}`);
  const types = await fetch(`${prometheus?.url}/api/v1/metadata?metric=cnpg_pg_stat_database_xact_commit`).then((r) => r.json() as Promise<{ data: Record<string, Array<{ type: string }>> }>);
  assert.equal(types.data.cnpg_pg_stat_database_xact_commit?.[0]?.type, 'counter', 'COUNTER columns are counters');
  const up = await query('cnpg_collector_up');
  assert.deepEqual(up.map((s) => [s.metric.cluster, s.value]), [[CLUSTER, 1], [CLUSTER, 1], [CLUSTER, 1]]);
});

test('the custom queries of the ConfigMap: per target database, and primary-only on the primary alone', async () => {
  const tables = await eventually('cnpg_mon_tables_tables in app and postgres on every instance', async () => {
    const s = await query('cnpg_mon_tables_tables');
    return s.length === 6 ? s : undefined;
  }, 60_000, 1_000);
  assert.deepEqual([...new Set(tables.map((s) => s.metric.datname))].sort(), ['app', 'postgres']);
  const primary = (await pods()).find((p) => p.metadata.labels['cnpg.io/instanceRole'] === 'primary');
  const one = await eventually('cnpg_mon_primary_one', async () => {
    const s = await query('cnpg_mon_primary_one');
    return s.length > 0 ? s : undefined;
  }, 30_000, 1_000);
  assert.deepEqual(one.map((s) => s.metric.pod), [primary?.metadata.name]);
});

test('every metric the Grafana dashboard and the PrometheusRule read is served by the running exporters', async () => {
  const used = [...new Set([...dashboardExprs(), ...ruleExprs()].flatMap(metricNamesIn))].sort();
  // Names of queries for newer servers than this one: defined by the default set, served there.
  const allVersions = new Set(queryMetricNames(defaultMonitoringQueries()));
  const here = new Set(queryMetricNames(defaultMonitoringQueries(), (range) => versionInRange(server, range)));
  const otherVersions = used.filter((n) => allVersions.has(n) && !here.has(n));
  const gone = await missing(used.filter((n) => !otherVersions.includes(n)));
  assert.deepEqual(gone, [], `the dashboard or the rules read metrics no exporter serves: ${gone.join(', ')}`);
  for (const expr of dashboardExprs()) await query(withDashboardVariables(expr)).catch((e: Error) => assert.fail(`dashboard query ${expr}: ${e.message}`));
  // The dashboard shows data for the cluster's main facts.
  for (const expr of dashboardExprs().filter((e) => /cnpg_pg_replication_in_recovery|xact_commit|cnpg_pg_database_size_bytes|cnpg_backends_total/.test(e))) {
    const s = await eventually(`data for ${expr}`, async () => ((await query(withDashboardVariables(expr))).length > 0 ? true : undefined), 30_000, 1_000);
    assert.ok(s);
  }
});

test('a query failing at run time sets cnpg_collector_last_collection_error to 1; the other families stay', async () => {
  const broken = { ...customQueries, mon_broken: { query: 'SELECT 1 / (random() * 0)::int AS boom', metrics: [{ boom: { usage: 'GAUGE', description: 'Always fails' } }] } };
  await env.ok(['apply', '-f', '-'], configMap(broken));
  await eventually('cnpg_collector_last_collection_error 1 on every instance', async () => (await query('cnpg_collector_last_collection_error == 1')).length === 3, 90_000, 1_000);
  const expected = [...COLLECTOR_FAMILIES, ...queryMetricNames(defaultMonitoringQueries(), (range) => versionInRange(server, range)), 'cnpg_mon_tables_tables'];
  const gone = await missing(expected, 5_000);
  assert.deepEqual(gone, [], `families hidden by a failing query: ${gone.join(', ')}`);
  assert.deepEqual(await query('cnpg_mon_broken_boom'), [], 'the failing query has no series');
  const errorCounters = await missing(ERROR_FAMILIES, 10_000);
  assert.deepEqual(errorCounters, [], 'the error counters have series once a query failed');
  const [named] = await query('cnpg_errors_total');
  assert.match(named?.metric.errorUserQueries ?? '', /mon_broken/, 'cnpg_errors_total names the failing query');

  await env.ok(['apply', '-f', '-'], configMap(customQueries));
  await eventually('cnpg_collector_last_collection_error back to 0 everywhere', async () => (await query('cnpg_collector_last_collection_error == 0')).length === 3, 90_000, 1_000);
});

test('the shipped rule fires CNPGClusterHADegraded when a standby is stopped, and it resolves when it is back', async () => {
  const ha = (): Promise<Sample[]> => query(`ALERTS{alertname=~"CNPGClusterHADegraded|CNPGClusterHACritical|CNPGClusterNoPrimary|CNPGInstanceDown", cluster="${CLUSTER}"}`);
  await eventually('the recording rules over the healthy cluster', async () => {
    const [count] = await query(`cnpg:cluster_instances:count{cluster="${CLUSTER}"}`);
    const [streaming] = await query(`cnpg:cluster_streaming_replicas:max{cluster="${CLUSTER}"}`);
    return count?.value === 3 && streaming?.value === 2;
  }, 60_000, 1_000);
  assert.deepEqual(await ha(), [], 'no HA alert on a healthy cluster');

  const standby = (await pods()).find((p) => p.metadata.labels['cnpg.io/instanceRole'] !== 'primary');
  assert.ok(standby);
  await env.ok(['fencing', 'on', CLUSTER, standby.metadata.name]);
  try {
    const firing = await eventually('CNPGClusterHADegraded firing', async () => {
      const s = (await query(`ALERTS{alertname="CNPGClusterHADegraded", alertstate="firing", cluster="${CLUSTER}", namespace="default"}`));
      return s.length === 1 ? s[0] : undefined;
    }, 180_000, 1_000);
    assert.equal(firing.metric.severity, 'warning');
    // Fenced on purpose: PostgreSQL is down there, and that alone is not an incident.
    assert.deepEqual(await query(`ALERTS{alertname="CNPGInstanceDown", pod="${standby.metadata.name}"}`), []);
    const [down] = await query(`cnpg_collector_up{pod="${standby.metadata.name}"}`);
    assert.equal(down?.value, 0, 'the fenced instance reports PostgreSQL down');
  } finally {
    await env.ok(['fencing', 'off', CLUSTER, standby.metadata.name]);
  }
  await eventually('no HA alert once the standby streams again', async () => (await ha()).length === 0, 120_000, 1_000);
});
