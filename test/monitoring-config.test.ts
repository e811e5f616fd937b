// spec.monitoring on the local platform: each instance gets a metrics port of its own, shown by
// `get pods -o wide`; the custom queries of a ConfigMap reach every instance's spec, a change to
// the ConfigMap reaches it without restarting the manager, bad query YAML is refused at apply (in
// the Cluster's apply and in the ConfigMap's), and a document that goes missing is reported on the
// Cluster while the last good queries keep running.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InstanceSpec } from '../src/instance/spec.js';
import { eventually, TestEnv } from './support/env.js';

const env = new TestEnv();
const CLUSTER = 'mon';
after(() => env.cleanup());

const queries = (key: string, usage = 'GAUGE') => `${key}:
  query: "SELECT 1 AS value"
  metrics:
    - value:
        usage: ${usage}
        description: a constant
`;
const configMap = (text: string, name = 'mon-queries') => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
data:
  queries: |
${text.trimEnd().replace(/^/gm, '    ')}
`;
const cluster = (configMapName = 'mon-queries') => `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: ${CLUSTER}
spec:
  instances: 1
  storage:
    size: 1Gi
  monitoring:
    metricsQueriesTTL: 10s
    customQueriesConfigMap:
      - name: ${configMapName}
        key: queries
`;

const specOf = (): InstanceSpec => JSON.parse(readFileSync(join(env.home, 'instances', 'default', CLUSTER, `${CLUSTER}-1`, 'instance.json'), 'utf8')) as InstanceSpec;
const queryKeys = () => specOf().monitoring?.queries.map((q) => q.key) ?? [];

before(async () => {
  await env.ok(['apply', '-f', '-'], `${configMap(queries('first_query'))}---\n${cluster()}`);
  await env.ok(['wait', '--for=condition=Ready', `cluster/${CLUSTER}`, '--timeout=120s'], undefined, 130_000);
});

test('each instance has a metrics port of its own, in its spec and in get pods -o wide', async () => {
  const spec = specOf();
  assert.ok(spec.metricsPort && spec.metricsPort !== spec.statusPort && spec.metricsPort !== spec.pgPort, JSON.stringify(spec));
  const wide = await env.ok(['get', 'pods', '-o', 'wide']);
  const [header, row] = wide.trim().split('\n');
  assert.match(header ?? '', /\bMETRICS$/);
  assert.match(row ?? '', new RegExp(`\\b${spec.metricsPort}$`));
});

test('the manager runs with a fixed mmap threshold, and its PostgreSQL with glibc\'s default', async () => {
  const pod = (await env.pods(CLUSTER))[0];
  const environ = (pid: number) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  assert.ok(pod?.status.local.managerPid);
  assert.ok(environ(pod.status.local.managerPid).includes('MALLOC_MMAP_THRESHOLD_=131072'));
  const pgdata = join(env.home, 'instances', 'default', CLUSTER, `${CLUSTER}-1`, 'pgdata');
  const postmaster = Number(readFileSync(join(pgdata, 'postmaster.pid'), 'utf8').split('\n')[0]);
  assert.ok(!environ(postmaster).some((v) => v.startsWith('MALLOC_')), 'PostgreSQL does not inherit it');
});

test('the custom queries follow the defaults in every instance spec, with the TTL asked for', () => {
  const spec = specOf();
  assert.equal(spec.monitoring?.queriesTtlSeconds, 10);
  const keys = queryKeys();
  assert.equal(keys.at(-1), 'first_query');
  assert.ok(keys.length > 1, 'the default queries come first');
});

test('bad query YAML is refused at apply, naming the key and the finding, and nothing changes', async () => {
  const viaConfigMap = await env.run(['apply', '-f', '-'], configMap(queries('broken', 'GAUGES')));
  assert.notEqual(viaConfigMap.code, 0);
  assert.match(viaConfigMap.stderr, /ConfigMap\/mon-queries: data\.queries: custom queries used by Cluster mon \(spec\.monitoring\.customQueriesConfigMap\[0\]\): broken\.metrics\[0\]\.value\.usage: unknown usage "GAUGES"/);
  const viaCluster = await env.run(['apply', '-f', '-'], `${cluster('other-queries')}---\n${configMap('not: [valid', 'other-queries')}`);
  assert.notEqual(viaCluster.code, 0);
  assert.match(viaCluster.stderr, /Cluster\/mon: spec\.monitoring\.customQueriesConfigMap\[0\]\.key: ConfigMap other-queries key queries: is not valid YAML/);
  const stored = await env.json<{ data: { queries: string } }>(['get', 'configmap', 'mon-queries']);
  assert.match(stored.data.queries, /first_query/);
  assert.equal((await env.run(['get', 'configmap', 'other-queries'])).code === 0, false, 'the apply is all or nothing');
});

test('a ConfigMap change reaches the instance without restarting its manager', async () => {
  const managerPid = (await env.pods(CLUSTER))[0]?.status.local.managerPid;
  await env.ok(['apply', '-f', '-'], configMap(queries('second_query')));
  await eventually('the new query in the spec', async () => queryKeys().includes('second_query') && !queryKeys().includes('first_query'), 20_000);
  // Served once the cached results (metricsQueriesTTL 10s) are older than the new query set.
  const scrape = async () => (await fetch(`http://127.0.0.1:${specOf().metricsPort}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  await eventually('the new query served', async () => /^cnpg_second_query_value 1$/m.test(await scrape()), 30_000, 1000);
  assert.equal((await env.pods(CLUSTER))[0]?.status.local.managerPid, managerPid);
});

test('cnpg status shows each instance’s database size and metrics port from its exporter, also in -o json', async () => {
  const spec = specOf();
  const text = await env.ok(['status', CLUSTER]);
  const table = text.slice(text.indexOf('Instances status'));
  assert.match(table, /Name\s+Database Size\s+Current LSN.*Port\s+Metrics\s+PID/);
  assert.match(table, new RegExp(`${CLUSTER}-1\\s+\\d+(\\.\\d)? MB\\s+.*\\s${spec.metricsPort}\\s`));
  const json = await env.json<{ instancesStatus: Array<{ name: string; metricsPort: number; databaseSizes?: Record<string, number> }> }>(['status', CLUSTER]);
  const instance = json.instancesStatus.find((i) => i.name === `${CLUSTER}-1`);
  assert.equal(instance?.metricsPort, spec.metricsPort);
  assert.ok((instance?.databaseSizes?.app ?? 0) > 1_000_000, JSON.stringify(instance));
});

test('a document that goes missing is reported on the Cluster and the last good queries keep running', async () => {
  await env.ok(['patch', 'cluster', CLUSTER, '--type', 'merge', '-p', JSON.stringify({ spec: { monitoring: { customQueriesConfigMap: [{ name: 'absent', key: 'queries' }] } } })]);
  const condition = await eventually('the MonitoringQueries condition', async () => {
    const c = await env.json<{ status: { conditions?: Array<{ type: string; status: string; message: string }> } }>(['get', 'cluster', CLUSTER]);
    return c.status.conditions?.find((x) => x.type === 'MonitoringQueries' && x.status === 'False');
  }, 20_000);
  assert.match(condition.message, /ConfigMap absent key queries: the ConfigMap does not exist; the instances keep the last queries that worked/);
  assert.ok(queryKeys().includes('second_query'));
  const events = await env.ok(['get', 'events']);
  assert.match(events, /InvalidMonitoringQueries/);
});
