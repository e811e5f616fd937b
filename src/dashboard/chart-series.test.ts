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
  // The first value may have been collected long before it was read: its change only starts the count.
  assert.equal(r.update(4, { 'pg-1': 4000, 'pg-2': 10 }), undefined);
  assert.equal(r.update(32, { 'pg-1': 4000, 'pg-2': 12 }), undefined);
  // pg-1's cache refreshed 30 s after its previous change: 3000 transactions over those 30 s.
  assert.equal(r.update(34, { 'pg-1': 7000, 'pg-2': 12 }), 100);
  assert.equal(r.update(36, { 'pg-1': 7000, 'pg-2': 12 }), 100, 'held until the next value');
  assert.equal(r.update(40, { 'pg-1': 7000, 'pg-2': 28 }), 100 + 2);
  // pg-1 restarted (its counter went down) and pg-2's exporter did not answer: no rate from either.
  assert.equal(r.update(42, { 'pg-1': 5 }), undefined);
  assert.equal(r.update(44, { 'pg-1': 45, 'pg-2': 28 }), 2);
  assert.equal(r.update(48, { 'pg-1': 85, 'pg-2': 28 }), 10 + 2);
});

test('a counter that stays still beyond the hold time counts as no transactions', () => {
  const r = new CounterRates();
  r.update(0, { 'pg-1': 0 });
  r.update(5, { 'pg-1': 50 });
  assert.equal(r.update(15, { 'pg-1': 150 }), 10);
  assert.equal(r.update(100, { 'pg-1': 150 }), 10);
  assert.equal(r.update(136, { 'pg-1': 150 }), 0);
});

test('the history keeps only the last seconds asked for, with the rates in its samples', () => {
  const h = new SampleHistory(10);
  for (const [t, n] of [[0, 0], [4, 40], [8, 80], [12, 80], [16, 200]] as const) h.add(reading(t, { 'pg-1': n }));
  assert.deepEqual(h.all().map((s) => [s.t, s.tps]), [[8, 10], [12, 10], [16, 15]]);
});

test('after a gap in the readings (nobody watched) the rates start again', () => {
  const h = new SampleHistory(600);
  for (const [t, n] of [[0, 0], [2, 20], [4, 40]] as const) h.add(reading(t, { 'pg-1': n }));
  assert.equal(h.add(reading(100, { 'pg-1': 5000 })).tps, undefined);
  assert.equal(h.add(reading(102, { 'pg-1': 5100 })).tps, undefined);
  assert.equal(h.add(reading(104, { 'pg-1': 5200 })).tps, 50);
});
