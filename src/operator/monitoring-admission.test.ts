import test from 'node:test';
import assert from 'node:assert/strict';
import type { Cluster } from '../api/index.js';
import type { KubeObject } from '../api/meta.js';
import { formatIssue } from '../api/errors.js';
import { fixture } from '../api/testing.js';
import { clusterQueriesIssues, documentTexts, documentWriteIssues } from './monitoring-admission.js';

const BAD = 'pg_x:\n  query: "SELECT 1 AS c"\n  metrics:\n    - c:\n        usage: FOO\n        description: c\n';
const GOOD = 'pg_x:\n  query: "SELECT 1 AS c"\n  metrics:\n    - c:\n        usage: GAUGE\n        description: c\n';
const configMap = (name: string, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data } as KubeObject);
const secret = (name: string, data: Record<string, string>): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) } as KubeObject);
const cluster = (name = 'pg'): Cluster =>
  fixture('Cluster', { instances: 1, monitoring: { customQueriesConfigMap: [{ name: 'q', key: 'queries' }], customQueriesSecret: [{ name: 's', key: 'more' }] } }, { name, namespace: 'default' });

test('a Cluster naming a document that does not parse is refused with the field path, the key and the finding', () => {
  const objects: Record<string, KubeObject> = { 'ConfigMap/q': configMap('q', { queries: BAD }), 'Secret/s': secret('s', { more: 'pg_y: [' }) };
  const issues = clusterQueriesIssues(cluster(), (kind, name) => objects[`${kind}/${name}`]).map(formatIssue);
  assert.equal(issues[0], 'Cluster/pg: spec.monitoring.customQueriesConfigMap[0].key: ConfigMap q key queries: pg_x.metrics[0].c.usage: unknown usage "FOO" (allowed: DISCARD, LABEL, COUNTER, GAUGE, MAPPEDMETRIC, DURATION, HISTOGRAM)');
  assert.match(issues[1] ?? '', /^Cluster\/pg: spec\.monitoring\.customQueriesSecret\[0\]\.key: Secret s key more: is not valid YAML/);
  assert.equal(issues.length, 2);
});

test('documents that parse, or do not exist yet, let a Cluster in', () => {
  assert.deepEqual(clusterQueriesIssues(cluster(), (kind) => (kind === 'ConfigMap' ? configMap('q', { queries: GOOD }) : undefined)), []);
  assert.deepEqual(clusterQueriesIssues(cluster(), () => configMap('q', { other: BAD })), [], 'another key is not read');
});

test('a ConfigMap or Secret write that would break a Cluster naming it is refused; other keys and objects are not checked', () => {
  const issues = documentWriteIssues(configMap('q', { queries: BAD }), [cluster('a'), cluster('b')]).map(formatIssue);
  assert.deepEqual(issues, [
    'ConfigMap/q: data.queries: custom queries used by Cluster a (spec.monitoring.customQueriesConfigMap[0]), Cluster b (spec.monitoring.customQueriesConfigMap[0]): pg_x.metrics[0].c.usage: unknown usage "FOO" (allowed: DISCARD, LABEL, COUNTER, GAUGE, MAPPEDMETRIC, DURATION, HISTOGRAM)',
  ]);
  assert.equal(documentWriteIssues(secret('s', { more: BAD }), [cluster()]).length, 1);
  assert.deepEqual(documentWriteIssues(configMap('q', { unused: BAD }), [cluster()]), []);
  assert.deepEqual(documentWriteIssues(configMap('other', { queries: BAD }), [cluster()]), []);
  assert.deepEqual(documentWriteIssues(configMap('q', { queries: GOOD }), [cluster()]), []);
});

test('Secret texts are decoded, stringData included', () => {
  assert.deepEqual(documentTexts({ ...secret('s', { a: 'x' }), stringData: { b: 'y' } } as KubeObject), { a: 'x', b: 'y' });
});
