import test from 'node:test';
import assert from 'node:assert/strict';
import { mergeQueries, parseMonitoringQueries } from './monitoring-queries.js';

const paths = (source: string) => parseMonitoringQueries(source).findings.map((f) => `${f.path}: ${f.message}`);

test('every field of CloudNativePG’s custom-query format is read', () => {
  const { queries, findings } = parseMonitoringQueries(`
pg_locks_mode:
  name: locks
  query: "SELECT datname, mode, count, since, q, q_bucket, q_sum, q_count FROM t"
  predicate_query: "SELECT true"
  primary: true
  runonserver: ">=15.0.0"
  target_databases: ["app", "db_*"]
  cache_seconds: 30
  metrics:
    - datname: { usage: LABEL, description: Database }
    - mode: { usage: MAPPEDMETRIC, description: Mode, metric_mapping: { shared: 1, exclusive: 2 } }
    - count: { usage: COUNTER, description: Locks, name: held }
    - since: { usage: DURATION, description: Held for, pg_version: ">=16" }
    - q: { usage: HISTOGRAM, description: Query times }
    - other: { usage: DISCARD }
legacy:
  query: SELECT 1 AS one
  master: true
  metrics:
    - one: { usage: GAUGE, description: One }
`);
  assert.deepEqual(findings, []);
  assert.deepEqual(queries[0], {
    key: 'pg_locks_mode',
    name: 'locks',
    query: 'SELECT datname, mode, count, since, q, q_bucket, q_sum, q_count FROM t',
    columns: [
      { column: 'datname', usage: 'LABEL', description: 'Database' },
      { column: 'mode', usage: 'MAPPEDMETRIC', description: 'Mode', metricMapping: { shared: 1, exclusive: 2 } },
      { column: 'count', usage: 'COUNTER', description: 'Locks', name: 'held' },
      { column: 'since', usage: 'DURATION', description: 'Held for', pgVersion: '>=16' },
      { column: 'q', usage: 'HISTOGRAM', description: 'Query times' },
      { column: 'other', usage: 'DISCARD', description: '' },
    ],
    primary: true,
    runOnServer: '>=15.0.0',
    targetDatabases: ['app', 'db_*'],
    predicateQuery: 'SELECT true',
  });
  assert.equal(queries[1]?.primary, true, 'master is the deprecated spelling of primary');
});

test('usages are quoted or not, as in CloudNativePG’s own documents; SQL may span lines with tabs', () => {
  const { queries, findings } = parseMonitoringQueries('q:\n  query: |\n    SELECT 1 AS a\n    \tFROM t\n  metrics:\n    - a:\n        usage: "GAUGE"\n        description: "A"\n');
  assert.deepEqual(findings, []);
  assert.equal(queries[0]?.columns[0]?.usage, 'GAUGE');
});

test('an empty document has no queries and nothing wrong', () => {
  assert.deepEqual(parseMonitoringQueries(''), { queries: [], findings: [] });
});

test('each mistake is found with its path, what is wrong and what is allowed', () => {
  const found = parseMonitoringQueries(`
bad-key:
  query: SELECT 1
  metrics: [{ a: { usage: GAUGE } }]
q:
  querry: SELECT 1
  metrics:
    - a: { usage: gauge }
    - b: { usage: MAPPEDMETRIC }
    - c: { usage: GAUGE, metric_mapping: { x: high } }
    - d: GAUGE
  target_databases: app
  primary: "yes"
  runonserver: 17
`).findings;
  const text = found.map((f) => `${f.path}: ${f.message}`);
  assert.ok(text.some((t) => t.startsWith('bad-key: a query key must be letters, digits and _')), text.join('\n'));
  assert.ok(text.includes('q.querry: is not a field of a custom query'), text.join('\n'));
  assert.ok(text.includes('q.query: is required'), text.join('\n'));
  assert.ok(text.includes('q.metrics[0].a.usage: unknown usage "gauge"'), text.join('\n'));
  assert.deepEqual(found.find((f) => f.path === 'q.metrics[0].a.usage')?.allowed, ['DISCARD', 'LABEL', 'COUNTER', 'GAUGE', 'MAPPEDMETRIC', 'DURATION', 'HISTOGRAM']);
  assert.ok(text.includes('q.metrics[1].b.metric_mapping: is required with usage MAPPEDMETRIC'), text.join('\n'));
  assert.ok(text.includes('q.metrics[2].c.metric_mapping: must map each text value to a number'), text.join('\n'));
  assert.ok(text.includes('q.metrics[3].d: must be a mapping with usage and description'), text.join('\n'));
  assert.ok(text.includes('q.target_databases: must be a non-empty list of database names or patterns'), text.join('\n'));
  assert.ok(text.includes('q.primary: must be true or false'), text.join('\n'));
  assert.ok(text.includes('q.runonserver: must be a string'), text.join('\n'));
});

test('a document that is not YAML, not a mapping, or repeats a key is refused whole', () => {
  assert.match(paths('q: [unclosed')[0]!, /^: is not valid YAML/);
  assert.deepEqual(paths('- a\n- b\n'), [': must be a mapping of query names to queries']);
  assert.match(paths('q:\n  query: SELECT 1\n  metrics: [{ a: { usage: GAUGE } }]\nq:\n  query: SELECT 2\n  metrics: [{ a: { usage: GAUGE } }]\n')[0]!, /is not valid YAML/);
  assert.deepEqual(parseMonitoringQueries('q: [unclosed').queries, []);
});

test('a metric name part must be a Prometheus name: query name and column name overrides', () => {
  assert.deepEqual(paths('q:\n  name: "my-metric"\n  query: SELECT 1 AS a\n  metrics: [{ a: { usage: GAUGE, name: "1st" } }]\n'), [
    'q.metrics[0].a.name: must be a Prometheus name part: letters, digits and _, not starting with a digit',
    'q.name: must be a Prometheus name part: letters, digits and _, not starting with a digit',
  ]);
});

test('later documents override earlier queries of the same key and keep the first one’s place', () => {
  const doc = (sql: string, ...keys: string[]) => parseMonitoringQueries(keys.map((k) => `${k}:\n  query: ${sql}\n  metrics: [{ a: { usage: GAUGE } }]\n`).join('')).queries;
  const merged = mergeQueries([doc('SELECT 1 AS a', 'x', 'y'), doc('SELECT 2 AS a', 'y', 'z')]);
  assert.deepEqual(
    merged.map((q) => [q.key, q.query]),
    [
      ['x', 'SELECT 1 AS a'],
      ['y', 'SELECT 2 AS a'],
      ['z', 'SELECT 2 AS a'],
    ],
  );
});
