import test from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from './pooler/args.js';
import { pgbenchArgs } from './pooler/pgbench.js';
import { cellTps, failoverTable, parsePgbench, throughputTable, verdicts, type Cell } from './pooler/report.js';
import { poolerManifest, referenceIni } from './pooler/system.js';

test('flags: defaults, lists and bad values named', () => {
  const o = parseArgs([]);
  assert.deepEqual(o.clients, [50, 1000]);
  assert.deepEqual(o.paths, ['direct', 'rw', 'pooler', 'pgbouncer']);
  assert.deepEqual(parseArgs(['--paths', 'direct,proxy', '--seconds', '5']).paths, ['direct', 'proxy']);
  assert.throws(() => parseArgs(['--paths', 'direct,haproxy']), /--paths: unknown haproxy; allowed: direct, rw, proxy, pooler, pgbouncer/);
  assert.throws(() => parseArgs(['--clients', '50,x']), /--clients: a whole number ≥ 1, got "x"/);
  assert.throws(() => parseArgs(['--seconds']), /--seconds needs a value/);
  assert.throws(() => parseArgs(['--bogus', '1']), /unknown flag --bogus/);
});

test('pgbench: select-only adds -S, simple protocol always', () => {
  assert.deepEqual(pgbenchArgs('select', 50, 20, 'postgresql://x'), ['-n', '-S', '-c', '50', '-j', '2', '-T', '20', 'postgresql://x']);
  assert.deepEqual(pgbenchArgs('tpcb', 1000, 5, 'u'), ['-n', '-c', '1000', '-j', '2', '-T', '5', 'u']);
});

test('pgbench output: tps, refused or failed', () => {
  assert.deepEqual(parsePgbench(0, 'latency average = 1.0 ms\ntps = 51234.567890 (without initial connection time)\n'), { tps: 51234.56789 });
  assert.deepEqual(parsePgbench(1, 'pgbench: error: connection to server at "127.0.0.1", port 5 failed: FATAL:  sorry, too many clients already\n'), { refused: 'sorry, too many clients already' });
  assert.deepEqual(parsePgbench(1, 'FATAL:  remaining connection slots are reserved for non-replication superuser connections\n'), { refused: 'remaining connection slots are reserved for non-replication superuser connections' });
  assert.deepEqual(parsePgbench(2, 'pgbench: error: could not connect\n'), { failed: 'pgbench: error: could not connect' });
});

const cell = (workload: 'select' | 'tpcb', clients: number, path: Cell['path'], tps: number[] | 'refused', serverConnections?: number): Cell => ({
  workload,
  clients,
  path,
  outcomes: tps === 'refused' ? [{ refused: 'sorry, too many clients already' }] : tps.map((t) => ({ tps: t })),
  serverConnections,
});

const CELLS: Cell[] = [
  cell('select', 50, 'direct', [50000, 52000, 51000]),
  cell('select', 50, 'rw', [50000, 49000, 51000]),
  cell('select', 50, 'pooler', [30000], 21),
  cell('select', 50, 'pgbouncer', [31000]),
  cell('select', 1000, 'direct', 'refused'),
  cell('select', 1000, 'rw', 'refused'),
  cell('select', 1000, 'pooler', [29000], 21),
  cell('select', 1000, 'pgbouncer', [30000]),
];

test('the table: medians, refusals and the ratios', () => {
  assert.equal(cellTps(CELLS[0]), 51000);
  const t = throughputTable(CELLS, ['direct', 'rw', 'pooler', 'pgbouncer']);
  assert.deepEqual(t.headers, ['workload', 'clients', 'direct', 'X-rw', 'Pooler (transaction)', 'PgBouncer by hand', 'X-rw / direct', 'pooler / direct', 'pooler / PgBouncer', 'pooler server conns']);
  assert.deepEqual(t.rows, [
    ['select', '50', '51000', '50000', '30000', '31000', '98.0 %', '58.8 %', '96.8 %', '21'],
    ['select', '1000', 'refused', 'refused', '29000', '30000', '-', '-', '96.7 %', '21'],
  ]);
});

test('targets: X-rw ≥ 95 %, pooled ≥ 90 % at 50, within 5 % of the reference, 1000 on ≤ 25 connections', () => {
  assert.deepEqual(
    verdicts(CELLS).map((v) => [v.target, v.measured, v.met]),
    [
      ['select 50 clients: X-rw ≥ 95 % of direct', '98.0 %', true],
      ['select 50 clients: pooled ≥ 90 % of direct', '58.8 %', false],
      ['select 50 clients: pooled within 5 % of PgBouncer by hand', '96.8 %', true],
      ['select 1000 clients: pooled within 5 % of PgBouncer by hand', '96.7 %', true],
      ['select 1000 clients served on ≤ 25 server connections', '21 server connections', true],
    ],
  );
});

test('ratio columns only for the paths that ran', () => {
  const t = throughputTable([cell('select', 50, 'direct', [100]), cell('select', 50, 'rw', [99]), cell('select', 50, 'proxy', [60])], ['direct', 'rw', 'proxy']);
  assert.deepEqual(t.headers, ['workload', 'clients', 'direct', 'X-rw', 'X-rw (proxy only)', 'X-rw / direct', 'proxy / direct']);
  assert.deepEqual(t.rows, [['select', '50', '100', '99', '60', '99.0 %', '60.0 %']]);
  assert.deepEqual(verdicts([cell('select', 50, 'direct', [100]), cell('select', 50, 'rw', [99])]).map((v) => v.met), [true]);
});

test('failover table', () => {
  assert.deepEqual(failoverTable([{ path: 'Pooler session', gapsMs: [1200, 800, 1000], failures: ['x'] }]).rows, [['Pooler session', '3/4', '1.00', '1.20']]);
});

test('the Pooler and the reference get the same pool', () => {
  assert.match(poolerManifest('p', 'transaction'), /poolMode: transaction\n {4}parameters:\n {6}max_client_conn: "1100"\n {6}default_pool_size: "20"/);
  const ini = referenceIni({ dir: '/tmp/r', port: 6000, primaryPort: 5000 });
  assert.match(ini, /^app = host=127\.0\.0\.1 port=5000 dbname=app$/m);
  assert.match(ini, /^pool_mode = transaction$/m);
  assert.match(ini, /^default_pool_size = 20$/m);
});
