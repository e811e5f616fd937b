// bench/operator's pure parts: flags, the percentile and the verdict of a row.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs, percentile, row, type SizeResult } from './operator/report.js';

test('flags: defaults, sizes sorted and deduplicated, bad values are refused', () => {
  assert.deepEqual(parseArgs([]), { sizes: [1, 100, 1000], samples: 60 });
  assert.deepEqual(parseArgs(['--sizes', '100,1,100', '--samples', '5']), { sizes: [1, 100], samples: 5 });
  assert.throws(() => parseArgs(['--sizes', '1,x']), /--sizes/);
  assert.throws(() => parseArgs(['--sizes', '0']), /--sizes/);
  assert.throws(() => parseArgs(['--samples', '2.5']), /--samples/);
  assert.throws(() => parseArgs(['--samples']), /needs a value/);
  assert.throws(() => parseArgs(['--nope', '1']), /unknown flag/);
});

test('nearest-rank percentiles', () => {
  const values = Array.from({ length: 100 }, (_, i) => 100 - i);
  assert.equal(percentile(values, 50), 50);
  assert.equal(percentile(values, 99), 99);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('a row meets the targets only with p99 ≤ 200 ms both ways, RSS ≤ 300 MB and no timeout', () => {
  const good: SizeResult = { clusters: 1000, scaleUpMs: [50, 120, 190], scaleDownMs: [40, 80], timeouts: 0, rssMb: 250, peakRssMb: 290, idleReconcilesPerSec: 100 };
  assert.equal(row(good).at(-1), 'yes');
  assert.deepEqual(row(good).slice(0, 5), ['1000', '3', '120', '190', '190']);
  assert.equal(row({ ...good, scaleDownMs: [201] }).at(-1), 'no');
  assert.equal(row({ ...good, rssMb: 301 }).at(-1), 'no');
  assert.equal(row({ ...good, timeouts: 1 }).at(-1), 'no');
});
