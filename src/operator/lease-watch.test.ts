import test from 'node:test';
import assert from 'node:assert/strict';
import { LeaseWatch } from './lease-watch.js';

const record = (holder: string, renewTime: string) => ({ holder, renewTime, leaseDurationSeconds: 15, transitions: 0 });

test('a lease record is timed from when this operator first saw it unchanged, on its own clock', () => {
  const watch = new LeaseWatch();
  assert.deepEqual(watch.observe('default/pg', record('pg-1', 'a'), 1000), { holder: 'pg-1', unchangedForMs: 0, leaseDurationMs: 15_000 });
  assert.equal(watch.observe('default/pg', record('pg-1', 'a'), 9000)?.unchangedForMs, 8000);
  assert.equal(watch.observe('default/pg', record('pg-1', 'b'), 10_000)?.unchangedForMs, 0, 'renewed');
  assert.equal(watch.observe('default/pg', undefined, 11_000), undefined);
  assert.equal(watch.observe('default/pg', record('pg-1', 'b'), 30_000)?.unchangedForMs, 0, 'not watched meanwhile: counted again');
});
