import test from 'node:test';
import assert from 'node:assert/strict';
import { outages, rollFigures } from './windows.js';

const acks = (...xs: Array<[number, number]>) => xs.map(([at, port]) => ({ at, port }));

test('a gap across a change of primary is a switchover, however short; other gaps count from the threshold', () => {
  const a = acks([0, 1], [5, 1], [400, 1], [405, 1], [420, 2], [1500, 2], [1502, 2]);
  assert.deepEqual(outages(a, 100), [
    { ms: 395, switchedPrimary: false },
    { ms: 15, switchedPrimary: true },
    { ms: 1080, switchedPrimary: false },
  ]);
  assert.deepEqual(rollFigures(a, 100), { switches: 1, switchMs: [15], otherMs: [395, 1080], totalMs: 1490 });
  assert.deepEqual(rollFigures(acks([0, 1], [3, 1]), 100), { switches: 0, switchMs: [], otherMs: [], totalMs: 0 });
});
