import test from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from './args.js';
import { ratioRows, type Row } from './report.js';
import { summarize } from './measure.js';

test('--platform kubernetes: the real node, then the local platform, on the kinds both have', () => {
  const o = parseArgs(['--platform', 'kubernetes', '--trials', '3']);
  assert.deepEqual(o.systems, ['kubernetes', 'cnpg']);
  assert.deepEqual(o.kinds, ['delete-pod', 'switchover']);
  assert.deepEqual(parseArgs(['--kinds', 'delete-pod', '--platform', 'kubernetes']).kinds, ['delete-pod']);
  assert.deepEqual(parseArgs(['--platform', 'local']).systems, ['cnpg', 'patroni'], 'local is the default');
});

test('--platform: bad values and combinations are refused with the reason', () => {
  assert.throws(() => parseArgs(['--platform', 'k8s']), /--platform: local or kubernetes, got "k8s"/);
  assert.throws(() => parseArgs(['--platform', 'kubernetes', '--system', 'patroni']), /--system patroni does not go with it/);
  assert.throws(() => parseArgs(['--platform', 'kubernetes', '--kinds', 'kill-patroni']), /none of --kinds kill-patroni runs on the real node \(it runs delete-pod, switchover\)/);
});

test('the ratio table compares any two systems on the kinds both ran', () => {
  const row = (system: string, kind: string, ms: number[]): Row => ({ system, kind, summary: summarize(ms.map((unavailabilityMs) => ({ unavailabilityMs, healthyMs: 1, lost: 0 }))) });
  const rows = [row('kubernetes', 'delete-pod', [3000, 5000]), row('cnpg', 'delete-pod', [1000, 2000]), row('cnpg', 'kill-postmaster', [500])];
  assert.deepEqual(ratioRows(rows, 'kubernetes', 'cnpg'), [['delete-pod', '3.00', '1.00', '3.00']]);
  assert.deepEqual(ratioRows(rows), [], 'no Patroni rows: no cnpg/Patroni ratio');
});
