import test from 'node:test';
import assert from 'node:assert/strict';
import { SampleHistory, sampleBetween, type Reading } from './chart-series.js';

const reading = (t: number, transactions: Record<string, number>, primary?: Reading['primary'], lagBytes: Record<string, number> = {}): Reading => ({ t, transactions, primary, lagBytes });

test('rates over the time between two readings, summed over instances', () => {
  const a = reading(100, { 'pg-1': 1000, 'pg-2': 50 }, { name: 'pg-1', timeline: 1, lsn: '0/1000000' });
  const b = reading(102, { 'pg-1': 1400, 'pg-2': 70 }, { name: 'pg-1', timeline: 1, lsn: '0/1000800' }, { 'pg-2': 10 });
  assert.deepEqual(sampleBetween(a, b), { t: 102, tps: 210, walBytesPerSecond: 1024, lagBytes: { 'pg-2': 10 } });
});

test('no rate from a first reading, a counter that went down (restart), a new instance, or a different primary', () => {
  const first = reading(100, { 'pg-1': 1000 }, { name: 'pg-1', timeline: 1, lsn: '0/1000000' });
  assert.deepEqual(sampleBetween(undefined, first), { t: 100, lagBytes: {} });
  const restarted = reading(102, { 'pg-1': 10, 'pg-3': 5 }, { name: 'pg-2', timeline: 2, lsn: '0/2000000' });
  assert.deepEqual(sampleBetween(first, restarted), { t: 102, lagBytes: {} });
  const partly = reading(104, { 'pg-1': 30, 'pg-3': 5 }, { name: 'pg-2', timeline: 2, lsn: '0/2000000' });
  assert.deepEqual(sampleBetween(restarted, partly), { t: 104, tps: 10, walBytesPerSecond: 0, lagBytes: {} });
});

test('the history keeps only the last seconds asked for', () => {
  const h = new SampleHistory(10);
  for (const t of [0, 4, 8, 12, 16]) h.add(reading(t, {}));
  assert.deepEqual(h.all().map((s) => s.t), [8, 12, 16]);
});
