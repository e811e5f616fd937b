import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fencingTarget } from './ha.js';

test('fencing names an instance of the cluster, by name or serial, or all of them', () => {
  assert.equal(fencingTarget('pg', 'pg-2', ['pg-1', 'pg-2'], undefined), 'pg-2');
  assert.equal(fencingTarget('pg', '2', ['pg-1', 'pg-2'], undefined), 'pg-2');
  assert.equal(fencingTarget('pg', '*', [], undefined), '*');
  assert.equal(fencingTarget('pg', 'all', [], undefined), 'all');
});

test('an instance the cluster does not have is refused instead of reported fenced', () => {
  assert.throws(() => fencingTarget('pg', 'pg-9', ['pg-1', 'pg-2'], undefined), /instance pg-9 is not part of cluster pg \(instances: pg-1, pg-2; "\*" stands for all of them\)/);
  assert.throws(() => fencingTarget('pg', 'other-1', [], '[]'), /instances: none yet/);
});

test('an instance still in the fenced list can be unfenced after it is gone', () => {
  assert.equal(fencingTarget('pg', 'pg-3', ['pg-1'], '["pg-3"]'), 'pg-3');
});
