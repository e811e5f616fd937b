import test from 'node:test';
import assert from 'node:assert/strict';
import { rollingRestartOrder } from './rolling.js';

test('standbys highest serial first, primary last', () => {
  const i = (serial: number) => ({ name: `pg-${serial}`, serial });
  assert.deepEqual(rollingRestartOrder([i(1), i(2), i(3)], 'pg-1'), ['pg-3', 'pg-2', 'pg-1']);
  assert.deepEqual(rollingRestartOrder([i(1), i(2), i(3), i(10)], 'pg-2'), ['pg-10', 'pg-3', 'pg-1', 'pg-2']);
  assert.deepEqual(rollingRestartOrder([i(1)], 'pg-1'), ['pg-1']);
  assert.deepEqual(rollingRestartOrder([i(1), i(2)], undefined), ['pg-2', 'pg-1']);
});
