import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../api/repo-root.js';
import type { GucCatalog } from '../api/guc-catalog.js';
import { buildCatalog, knownAnswers, parseDescribeConfig, parseProbeRefusal, probeValue } from './describe-config.js';

// Real output of `postgres --describe-config` (Debian's 15 and a PostgreSQL 18.6 build).
const output = (major: number) => readFileSync(join(repoRoot(), 'test', 'fixtures', 'postgres', `describe-config-${major}.txt`), 'utf8');

test('every line of a real 15 description is read, with types and bounds', () => {
  const parameters = parseDescribeConfig(output(15));
  assert.equal(Object.keys(parameters).length, output(15).trim().split('\n').length);
  assert.deepEqual(parameters['shared_buffers'], { type: 'integer', context: 'postmaster', min: 16, max: 1073741823 });
  assert.deepEqual(parameters['vacuum_cost_delay'], { type: 'real', context: 'user', min: 0, max: 100 });
  assert.deepEqual(parameters['wal_log_hints'], { type: 'bool', context: 'postmaster' });
  assert.deepEqual(parameters['wal_level'], { type: 'enum', context: 'postmaster' });
  assert.deepEqual(parameters['archive_command'], { type: 'string', context: 'sighup' });
  // Options the server keeps out of postgresql.conf's sample are not described.
  assert.equal(parameters['block_size'], undefined);
});

test('a real 18 description knows parameters 15 does not', () => {
  const parameters = parseDescribeConfig(output(18));
  assert.deepEqual(parameters['io_method'], { type: 'enum', context: 'postmaster' });
  assert.equal(parseDescribeConfig(output(15))['io_method'], undefined);
});

test('a line that is not a description is refused with its number', () => {
  assert.throws(() => parseDescribeConfig('work_mem\tuser\tG\tINTEGER\t0\t64\t2\tx\t\nnonsense'), /line 2 is not/);
});

test('probes: just outside the range for numbers, a non-value for enums, none for bools and strings', () => {
  assert.equal(probeValue({ type: 'integer', context: 'user', min: 64, max: 2147483647 }), '63');
  assert.equal(probeValue({ type: 'integer', context: 'user', min: -2147483648, max: 100 }), '101');
  // max_pred_locks_per_relation takes any int: only a bad unit is refused.
  assert.equal(probeValue({ type: 'integer', context: 'user', min: -2147483648, max: 2147483647 }), '1cnpgts');
  assert.equal(probeValue({ type: 'real', context: 'user', min: 0, max: 100 }), '-1e300');
  assert.equal(probeValue({ type: 'enum', context: 'user' }), 'cnpg-ts-not-a-value');
  assert.equal(probeValue({ type: 'bool', context: 'user' }), undefined);
  assert.equal(probeValue({ type: 'string', context: 'user' }), undefined);
});

// Real refusals, from PostgreSQL 15 and 18 run with LC_ALL=C.
test('a probe refusal names the base unit, none, or the enum values', () => {
  const at = '2026-12-04 21:39:08.138 GMT [10670] ';
  assert.deepEqual(parseProbeRefusal('shared_buffers', `${at}FATAL:  -2147483648 8kB is outside the valid range for parameter "shared_buffers" (16 .. 1073741823)\n`), { unit: '8kB' });
  assert.deepEqual(parseProbeRefusal('vacuum_cost_delay', `${at}FATAL:  -1e+300 ms is outside the valid range for parameter "vacuum_cost_delay" (0 .. 100)\n`), { unit: 'ms' });
  assert.deepEqual(parseProbeRefusal('max_connections', `${at}FATAL:  -2147483648 is outside the valid range for parameter "max_connections" (1 .. 262143)\n`), {});
  assert.deepEqual(
    parseProbeRefusal('io_method', `${at}FATAL:  invalid value for parameter "io_method": "x"\n${at}HINT:  Available values: sync, worker.\n`),
    { values: ['sync', 'worker'] },
  );
  assert.deepEqual(parseProbeRefusal('max_pred_locks_per_relation', `${at}FATAL:  invalid value for parameter "max_pred_locks_per_relation": "1cnpgts"\n`), {});
  assert.equal(parseProbeRefusal('work_mem', `${at}FATAL:  invalid value for parameter "work_mem": "1cnpgts"\n${at}HINT:  Valid units for this parameter are "B", "kB", "MB", "GB", and "TB".\n`), undefined);
  assert.equal(parseProbeRefusal('work_mem', 'postgres does not know where to find the server configuration file.'), undefined);
});

test('a catalog joins the description and the answers, sorted by name', () => {
  const catalog = buildCatalog('15.18', parseDescribeConfig(output(15)), { shared_buffers: { unit: '8kB' }, wal_level: { values: ['minimal', 'replica', 'logical'] } });
  assert.equal(catalog.major, 15);
  assert.equal(catalog.parameters['shared_buffers']?.unit, '8kB');
  assert.deepEqual(catalog.parameters['wal_level']?.values, ['minimal', 'replica', 'logical']);
  const names = Object.keys(catalog.parameters);
  assert.deepEqual(names, [...names].sort());
});

test('a parameter described differently from the known catalog is probed again', () => {
  const known: GucCatalog = { major: 15, version: '15.1', parameters: { work_mem: { type: 'integer', context: 'user', min: 64, max: 2147483647, unit: 'kB' }, wal_level: { type: 'enum', context: 'postmaster', values: ['minimal', 'replica', 'logical'] } } };
  const answers = knownAnswers({ work_mem: { type: 'integer', context: 'user', min: 64, max: 2147483647 }, wal_level: { type: 'enum', context: 'sighup' }, new_one: { type: 'bool', context: 'user' } }, known);
  assert.deepEqual(answers, { work_mem: { unit: 'kB' } });
});
