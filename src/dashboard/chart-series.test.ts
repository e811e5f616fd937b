import test from 'node:test';
import assert from 'node:assert/strict';
import { CounterRates, SampleHistory, sampleBetween, type Reading } from './chart-series.js';

const reading = (t: number, transactions: Record<string, number>, primary?: Reading['primary'], lagBytes: Record<string, number> = {}): Reading => ({ t, transactions, primary, lagBytes });

test('WAL per second between two readings of the same primary; none across a change of primary or timeline', () => {
  const a = reading(100, {}, { name: 'pg-1', timeline: 1, lsn: '0/1000000' });
  const b = reading(102, {}, { name: 'pg-1', timeline: 1, lsn: '0/1000800' }, { 'pg-2': 10 });
  assert.deepEqual(sampleBetween(a, b), { t: 102, walBytesPerSecond: 1024, lagBytes: { 'pg-2': 10 } });
  assert.deepEqual(sampleBetween(undefined, a), { t: 100, lagBytes: {} });
  assert.deepEqual(sampleBetween(a, reading(104, {}, { name: 'pg-2', timeline: 2, lsn: '0/2000000' })), { t: 104, lagBytes: {} });
  assert.deepEqual(sampleBetween(a, reading(104, {}, { name: 'pg-1', timeline: 2, lsn: '0/2000000' })), { t: 104, lagBytes: {} });
});

test('transaction rates summed over instances, taken between changes of a cached counter and held meanwhile', () => {
  const r = new CounterRates();
  assert.equal(r.update(0, { 'pg-1': 1000, 'pg-2': 10 }), undefined, 'one reading is no rate');
  assert.equal(r.update(2, { 'pg-1': 1000, 'pg-2': 10 }), undefined, 'an exporter answering from its cache');
  // pg-1's cache refreshed after 30 s: 3000 transactions over the 30 s since 1000 was first read.
  assert.equal(r.update(30, { 'pg-1': 4000, 'pg-2': 10 }), 100);
  assert.equal(r.update(32, { 'pg-1': 4000, 'pg-2': 10 }), 100, 'held until the next value');
  assert.equal(r.update(34, { 'pg-1': 4000, 'pg-2': 70 }), 100 + 60 / 34);
  // pg-1 restarted (its counter went down) and pg-2's exporter did not answer: no rate from either.
  assert.equal(r.update(36, { 'pg-1': 5 }), undefined);
  assert.equal(r.update(40, { 'pg-1': 45, 'pg-2': 70 }), 10 + 60 / 34);
});

test('a counter that stays still beyond the hold time counts as no transactions', () => {
  const r = new CounterRates();
  r.update(0, { 'pg-1': 0 });
  assert.equal(r.update(10, { 'pg-1': 100 }), 10);
  assert.equal(r.update(100, { 'pg-1': 100 }), 10);
  assert.equal(r.update(131, { 'pg-1': 100 }), 0);
});

test('the history keeps only the last seconds asked for, with the rates in its samples', () => {
  const h = new SampleHistory(10);
  for (const [t, n] of [[0, 0], [4, 40], [8, 80], [12, 80], [16, 200]] as const) h.add(reading(t, { 'pg-1': n }));
  assert.deepEqual(h.all().map((s) => [s.t, s.tps]), [[8, 10], [12, 10], [16, 15]]);
});
