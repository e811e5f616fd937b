import test from 'node:test';
import assert from 'node:assert/strict';
import { respawnDelayMs } from './poolers.js';

test('a pooler manager that keeps dying right after its start is started again later and later, up to a minute', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 7, 8, 20].map(respawnDelayMs), [0, 1000, 2000, 4000, 8000, 60_000, 60_000, 60_000]);
});
