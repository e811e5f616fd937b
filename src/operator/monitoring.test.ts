import test from 'node:test';
import assert from 'node:assert/strict';
import type { StoredCluster as Cluster } from '../api/cluster-status.js';
import { fixture, rejectionOf } from '../api/testing.js';
import { goDurationSeconds } from '../api/go-duration.js';
import { clusterFacts, defaultQueries, planPodMonitor, queriesReferences, queriesTtlSeconds, resolveQueries, type QueriesDocument } from './monitoring.js';
import { configHash, desiredInstanceConfig } from './instance-config.js';
import { planCluster } from './decide.js';

const cluster = (monitoring: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}, status: Cluster['status'] = {}): Cluster => ({
  ...fixture('Cluster', { instances: 3, ...(monitoring ? { monitoring } : {}), ...extra }, { namespace: 'default', generation: 1 }),
  status,
});

const QUERY_A = `
my_table:
  query: "SELECT count(*) AS rows FROM my_table"
  metrics:
    - rows:
        usage: GAUGE
        description: rows in my_table
`;
const QUERY_B = `
my_table:
  query: "SELECT 2 AS rows"
  metrics:
    - rows:
        usage: COUNTER
        description: overridden
other:
  query: "SELECT 1 AS one"
  primary: true
  metrics:
    - one:
        usage: GAUGE
        description: one
`;
const BROKEN = `
broken:
  query: "SELECT 1 AS x"
  metrics:
    - x:
        usage: FOO
        description: bad usage
`;

const refs = { customQueriesConfigMap: [{ name: 'q', key: 'queries' }], customQueriesSecret: [{ name: 's', key: 'more' }] };
const doc = (kind: 'ConfigMap' | 'Secret', name: string, key: string, text?: string, missing?: QueriesDocument['missing']): QueriesDocument => ({
  kind,
  name,
  key,
  path: '',
  ...(text !== undefined ? { text } : {}),
  ...(missing ? { missing } : {}),
});

test('the references are the ConfigMaps then the Secrets, in spec order, with their paths', () => {
  assert.deepEqual(queriesReferences(cluster(refs)), [
    { kind: 'ConfigMap', name: 'q', key: 'queries', path: 'spec.monitoring.customQueriesConfigMap[0]' },
    { kind: 'Secret', name: 's', key: 'more', path: 'spec.monitoring.customQueriesSecret[0]' },
  ]);
  assert.deepEqual(queriesReferences(cluster(undefined)), []);
});

test('the default queries parse and come first; each document overrides earlier queries of the same key', () => {
  const defaults = defaultQueries();
  assert.ok(defaults.length > 0);
  const r = resolveQueries(cluster(refs), [doc('ConfigMap', 'q', 'queries', QUERY_A), doc('Secret', 's', 'more', QUERY_B)]);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.queries.map((q) => q.key), [...defaults.map((q) => q.key), 'my_table', 'other']);
  const mine = r.queries.find((q) => q.key === 'my_table');
  assert.equal(mine?.query, 'SELECT 2 AS rows');
  assert.equal(mine?.columns[0]?.usage, 'COUNTER');
  assert.equal(r.queries.find((q) => q.key === 'other')?.primary, true);
});

test('disableDefaultQueries leaves only the documents', () => {
  const r = resolveQueries(cluster({ ...refs, disableDefaultQueries: true }), [doc('ConfigMap', 'q', 'queries', QUERY_A)]);
  assert.deepEqual(r.queries.map((q) => q.key), ['my_table']);
});

test('a missing object, a missing key and a broken document are named; the last good queries keep running', () => {
  const c = cluster(refs);
  const good = resolveQueries(c, [doc('ConfigMap', 'q', 'queries', QUERY_A), doc('Secret', 's', 'more', QUERY_B)]);
  const broken = resolveQueries(c, [doc('ConfigMap', 'q', 'queries', BROKEN), doc('Secret', 's', 'more', undefined, 'object')], good.queries);
  assert.deepEqual(broken.problems, [
    'ConfigMap q key queries: broken.metrics[0].x.usage: unknown usage "FOO" (allowed: DISCARD, LABEL, COUNTER, GAUGE, MAPPEDMETRIC, DURATION, HISTOGRAM)',
    'Secret s key more: the Secret does not exist',
  ]);
  assert.equal(broken.queries, good.queries);
  const noKey = resolveQueries(c, [doc('ConfigMap', 'q', 'queries', undefined, 'key')]);
  assert.deepEqual(noKey.problems, ['ConfigMap q key queries: the ConfigMap has no such key']);
  assert.deepEqual(noKey.queries.map((q) => q.key), defaultQueries().map((q) => q.key), 'without a last good set, what is usable runs');
});

test('metricsQueriesTTL: Go durations, 30s by default, 0 disables; anything else is refused at admission', () => {
  assert.equal(queriesTtlSeconds(cluster(undefined)), 30);
  assert.equal(queriesTtlSeconds(cluster({ metricsQueriesTTL: '1m30s' })), 90);
  assert.equal(queriesTtlSeconds(cluster({ metricsQueriesTTL: '0' })), 0);
  assert.equal(queriesTtlSeconds(cluster({ metricsQueriesTTL: '500ms' })), 0.5);
  for (const bad of ['30', '-1s', '1d', 'soon']) assert.equal(goDurationSeconds(bad), undefined, bad);
  const issues = rejectionOf({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg' }, spec: { instances: 1, storage: { size: '1Gi' }, monitoring: { metricsQueriesTTL: '30' } } });
  assert.ok(issues.some((i) => i.includes('spec.monitoring.metricsQueriesTTL') && i.includes('must be a duration')), issues.join('\n'));
});

test('cluster facts come from the spec and the recorded status', () => {
  const status = { firstRecoverabilityPoint: '2026-01-01T00:00:00Z', lastSuccessfulBackup: '2026-01-02T00:00:00Z', lastFailedBackup: '2026-01-03T00:00:00Z' };
  const c = cluster(undefined, { minSyncReplicas: 1, maxSyncReplicas: 2 }, status);
  assert.deepEqual(clusterFacts(c, status, 3, false), {
    replicaMode: false,
    manualSwitchoverRequired: false,
    syncReplicas: { min: 1, max: 2, expected: 2 },
    nodesUsed: -1,
    firstRecoverabilityPoint: '2026-01-01T00:00:00Z',
    lastAvailableBackup: '2026-01-02T00:00:00Z',
    lastFailedBackup: '2026-01-03T00:00:00Z',
  });
  assert.deepEqual(clusterFacts(c, {}, 0, true).syncReplicas, { min: 1, max: 2, expected: 1 });
  assert.equal(clusterFacts(c, {}, 0, true).manualSwitchoverRequired, true);
  assert.deepEqual(clusterFacts(cluster(undefined), {}, 2, false).syncReplicas, { min: 0, max: 0, expected: 0 });
  assert.equal(clusterFacts(c, { topology: { nodesUsed: 2, successfullyExtracted: true } }, 0, false).nodesUsed, 2);
  assert.equal(clusterFacts(c, { topology: { nodesUsed: 1, successfullyExtracted: false } }, 0, false).nodesUsed, -1, 'a count missing some instances is not the count');
});

test('every instance config carries the monitoring, and a query change changes the hash (a reconfigure, not a restart)', () => {
  const c = cluster(refs);
  const topology = { primary: 'pg-1', instances: ['pg-1', 'pg-2'] };
  const before = desiredInstanceConfig(c, 'pg-2', topology, 15);
  assert.equal(before.monitoring?.queriesTtlSeconds, 30);
  assert.deepEqual(before.monitoring?.queries.map((q) => q.key), defaultQueries().map((q) => q.key));
  const after = desiredInstanceConfig(c, 'pg-2', topology, 15, undefined, false, resolveQueries(c, [doc('ConfigMap', 'q', 'queries', QUERY_A)]).queries);
  assert.notEqual(configHash(before), configHash(after));
});

test('the plan reports unusable documents as a condition and one event, and uses the resolved queries', () => {
  const c = cluster(refs);
  const monitoring = resolveQueries(c, [doc('ConfigMap', 'q', 'queries', BROKEN), doc('Secret', 's', 'more', QUERY_B)]);
  const plan = planCluster(c, { instances: [], secrets: new Set(), now: new Date('2026-01-01T00:00:00Z'), monitoring }, 15);
  const create = plan.actions.find((a) => a.kind === 'createInstance');
  assert.ok(create?.kind === 'createInstance' && create.config.monitoring?.queries.some((q) => q.key === 'other'));
  const cond = plan.status.conditions?.find((x) => x.type === 'MonitoringQueries');
  assert.equal(cond?.status, 'False');
  assert.match(cond?.message ?? '', /ConfigMap q key queries: broken\.metrics\[0\]\.x\.usage/);
  assert.equal(plan.actions.filter((a) => a.kind === 'recordEvent' && a.reason === 'InvalidMonitoringQueries').length, 1);
  const again = planCluster({ ...c, status: plan.status }, { instances: [], secrets: new Set(), now: new Date('2026-01-01T00:00:01Z'), monitoring }, 15);
  assert.equal(again.actions.filter((a) => a.kind === 'recordEvent' && a.reason === 'InvalidMonitoringQueries').length, 0, 'reported once, not every reconcile');
  const fixed = planCluster({ ...c, status: plan.status }, { instances: [], secrets: new Set(), now: new Date('2026-01-01T00:00:02Z'), monitoring: resolveQueries(c, []) }, 15);
  assert.equal(fixed.status.conditions?.find((x) => x.type === 'MonitoringQueries')?.status, 'True');
  const none = planCluster(cluster(undefined), { instances: [], secrets: new Set(), now: new Date() }, 15);
  assert.equal(none.status.conditions?.find((x) => x.type === 'MonitoringQueries'), undefined, 'no custom queries, no condition');
});

test('the PodMonitor: made while enabled and the kind is served, a condition when it is not, removed once turned off', () => {
  const on = cluster({ enablePodMonitor: true });
  const off = cluster(undefined);
  assert.deepEqual(planPodMonitor(on, undefined), {}, 'a platform without PodMonitors');
  assert.deepEqual(planPodMonitor(on, { kindServed: true, exists: false }).action, { kind: 'applyPodMonitor' });
  const missing = planPodMonitor(on, { kindServed: false, exists: false });
  assert.equal(missing.action, undefined);
  assert.equal(missing.condition?.ok, false);
  assert.deepEqual(planPodMonitor(off, { kindServed: true, exists: true }), { action: { kind: 'removePodMonitor' } });
  assert.deepEqual(planPodMonitor(off, { kindServed: true, exists: false }), {});
  const plan = planCluster(on, { instances: [], secrets: new Set(), now: new Date(), podMonitor: { kindServed: false, exists: false } }, 15);
  const cond = plan.status.conditions?.find((c) => c.type === 'PodMonitor');
  assert.equal(cond?.status, 'False');
  assert.equal(cond?.reason, 'PodMonitorCRDMissing');
});
