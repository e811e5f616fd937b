import test from 'node:test';
import assert from 'node:assert/strict';
import { parseMonitoringQueries } from '../api/monitoring-queries.js';
import { FamilySet } from './family.js';
import { addQueryResults } from './query-results.js';
import { MetricsRenderer } from './render.js';

const TEXT = 25;
const INT = 20;
const FLOAT_ARRAY = 1022;

function query(yaml: string) {
  const { queries, findings } = parseMonitoringQueries(yaml);
  assert.deepEqual(findings, []);
  return queries[0]!;
}

const field = (name: string, dataTypeID = TEXT) => ({ name, dataTypeID });

test('cnpg_<query>_<column>, LABEL columns on every metric of the row, counters and gauges typed', () => {
  const q = query('pg_db:\n  query: x\n  metrics:\n    - datname: { usage: LABEL }\n    - size: { usage: GAUGE, description: Size }\n    - commits: { usage: COUNTER, description: Commits }\n    - junk: { usage: DISCARD }\n');
  const set = new FamilySet();
  const problems = addQueryResults(set, q, [field('datname'), field('size', INT), field('commits', INT), field('junk')], [
    { datname: 'app', size: '10', commits: '3', junk: 'x' },
    { datname: 'postgres', size: '20', commits: '4', junk: 'y' },
  ]);
  assert.deepEqual(problems, []);
  assert.deepEqual(set.families, [
    { name: 'cnpg_pg_db_size', help: 'Size', type: 'gauge', samples: [{ labels: { datname: 'app' }, value: 10 }, { labels: { datname: 'postgres' }, value: 20 }] },
    { name: 'cnpg_pg_db_commits', help: 'Commits', type: 'counter', samples: [{ labels: { datname: 'app' }, value: 3 }, { labels: { datname: 'postgres' }, value: 4 }] },
  ]);
});

test('name overrides: the query’s name replaces its key, a column’s name its column', () => {
  const q = query('k:\n  name: locks\n  query: x\n  metrics:\n    - c: { usage: GAUGE, name: held }\n');
  const set = new FamilySet();
  addQueryResults(set, q, [field('c', INT)], [{ c: '1' }]);
  assert.deepEqual(set.families.map((f) => f.name), ['cnpg_locks_held']);
});

test('MAPPEDMETRIC maps texts to numbers, unknown texts yield nothing; DURATION becomes _milliseconds', () => {
  const q = query('m:\n  query: x\n  metrics:\n    - mode: { usage: MAPPEDMETRIC, metric_mapping: { on: 1, off: 0 } }\n    - age: { usage: DURATION }\n');
  const set = new FamilySet();
  addQueryResults(set, q, [field('mode'), field('age')], [{ mode: 'on', age: '1.5s' }, { mode: 'maybe', age: '-1' }]);
  assert.deepEqual(set.families, [
    { name: 'cnpg_m_mode', help: '', type: 'gauge', samples: [{ labels: {}, value: 1 }] },
    { name: 'cnpg_m_age_milliseconds', help: '', type: 'gauge', samples: [{ labels: {}, value: 1500 }] },
  ]);
});

test('HISTOGRAM: bounds, cumulative bucket counts, sum and count, rendered as a Prometheus histogram', async () => {
  const q = query('h:\n  query: x\n  metrics:\n    - db: { usage: LABEL }\n    - t: { usage: HISTOGRAM, description: Times }\n');
  const set = new FamilySet();
  const problems = addQueryResults(set, q, [field('db'), field('t', FLOAT_ARRAY), field('t_bucket', FLOAT_ARRAY), field('t_sum', INT), field('t_count', INT)], [
    { db: 'app', t: '{0.1,1}', t_bucket: '{2,5}', t_sum: '3.5', t_count: '6' },
  ]);
  assert.deepEqual(problems, []);
  const text = await new MetricsRenderer().render(set.families);
  const lines = text.split('\n').filter((l) => l.includes('cnpg_h_t'));
  assert.deepEqual(lines, [
    '# HELP cnpg_h_t Times',
    '# TYPE cnpg_h_t histogram',
    'cnpg_h_t_bucket{db="app",le="0.1"} 2',
    'cnpg_h_t_bucket{db="app",le="1"} 5',
    'cnpg_h_t_bucket{db="app",le="+Inf"} 6',
    'cnpg_h_t_sum{db="app"} 3.5',
    'cnpg_h_t_count{db="app"} 6',
  ]);
});

test('a declared column the result lacks, or a value that is no number, is a problem of the query', () => {
  const q = query('p:\n  query: x\n  metrics:\n    - a: { usage: GAUGE }\n    - b: { usage: GAUGE }\n');
  assert.deepEqual(addQueryResults(new FamilySet(), q, [field('a', INT)], [{ a: '1' }]), ['the result has no column b']);
  assert.deepEqual(addQueryResults(new FamilySet(), q, [field('a'), field('b')], [{ a: 'x', b: '2' }]), ['column a: "x" is not a number']);
});

test('a column limited by pg_version is left out where it does not apply', () => {
  const q = query('v:\n  query: x\n  metrics:\n    - a: { usage: GAUGE }\n    - new: { usage: GAUGE, pg_version: ">=18" }\n');
  const set = new FamilySet();
  assert.deepEqual(addQueryResults(set, q, [field('a', INT)], [{ a: '1' }], (c) => c.pgVersion === undefined), []);
  assert.deepEqual(set.families.map((f) => f.name), ['cnpg_v_a']);
});

test('one family fed by two queries must keep one type', () => {
  const set = new FamilySet();
  set.add('cnpg_x', '', 'gauge', { labels: {}, value: 1 });
  assert.throws(() => set.add('cnpg_x', '', 'counter', { labels: {}, value: 1 }), /both as a gauge and as a counter/);
});
