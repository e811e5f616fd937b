import test from 'node:test';
import assert from 'node:assert/strict';
import { rebaseStatus } from './status-rebase.js';

test("a field the reconcile left as it read it keeps what was written since: the plugin's status.targetPrimary survives", () => {
  const base = { currentPrimary: 'pg-1', targetPrimary: 'pg-1', phase: 'healthy' };
  const ours = { currentPrimary: 'pg-1', targetPrimary: 'pg-1', phase: 'waiting', phaseReason: 'pg-1 failing' };
  const current = { currentPrimary: 'pg-1', targetPrimary: 'pg-2', phase: 'healthy' };
  assert.deepEqual(rebaseStatus(base, ours, current), { currentPrimary: 'pg-1', targetPrimary: 'pg-2', phase: 'waiting', phaseReason: 'pg-1 failing' });
});

test('what the reconcile changed or removed wins; with nothing written since it is its status as computed', () => {
  const base = { targetPrimary: 'pg-1', currentPrimaryFailingSinceTimestamp: 't0', readyInstances: 2 };
  const ours = { targetPrimary: 'pending', readyInstances: 2 };
  assert.deepEqual(rebaseStatus(base, ours, { ...base, readyInstances: 3 }), { targetPrimary: 'pending', readyInstances: 3 });
  assert.deepEqual(rebaseStatus(base, ours, base), ours);
  assert.deepEqual(rebaseStatus({}, { phase: 'x' }, undefined), { phase: 'x' });
});
