import test from 'node:test';
import assert from 'node:assert/strict';
import { statusAfterFailure } from './status-after-failure.js';
import type { Action } from './types.js';

const before = { phase: 'Failing over', currentPrimary: 'pg-1', targetPrimary: 'pending', targetPrimaryTimestamp: 't0', currentPrimaryFailingSinceTimestamp: 't-1', readyInstances: 2 };
const planned = { phase: 'Failing over', phaseReason: 'Failing over from pg-1 to pg-2', currentPrimary: 'pg-2', targetPrimary: 'pg-2', currentPrimaryTimestamp: 't1', targetPrimaryTimestamp: 't1', readyInstances: 1 };
const promote = { kind: 'promoteInstance', name: 'pg-2' } as Action;

test('a reconcile that failed keeps the status it found, with the reason', () => {
  const s = statusAfterFailure(before, planned, [{ kind: 'recordEvent', type: 'Normal', reason: 'x', message: 'y' }], 'boom');
  assert.deepEqual(s, { ...before, phaseReason: 'boom' });
});

test('a promotion that happened before the failure is recorded: the promoted instance is the primary', () => {
  const s = statusAfterFailure(before, planned, [promote], 'boom');
  assert.equal(s.currentPrimary, 'pg-2');
  assert.equal(s.targetPrimary, 'pg-2');
  assert.equal(s.currentPrimaryTimestamp, 't1');
  assert.equal(s.currentPrimaryFailingSinceTimestamp, undefined);
  assert.equal(s.readyInstances, 2, 'the rest stays as it was');
  assert.equal(s.phaseReason, 'boom');
});

test('a failed major upgrade already told leaves the upgrade phase, so that no retry tells it again', () => {
  const upgrading = { phase: 'Upgrading Postgres major version', pgDataImageInfo: { image: 'pg:15', majorVersion: 15 }, targetPgDataImageInfo: { image: 'pg:16', majorVersion: 16 } };
  const refused = { phase: 'Setting up primary', pgDataImageInfo: { image: 'pg:15', majorVersion: 15 } };
  const told = { kind: 'recordEvent', type: 'Warning', reason: 'MajorUpgradeFailed', message: 'm' } as Action;
  const s = statusAfterFailure(upgrading, refused, [told], 'pod pg-1 is still terminating');
  assert.deepEqual(s, { phase: 'Setting up primary', phaseReason: 'pod pg-1 is still terminating', pgDataImageInfo: { image: 'pg:15', majorVersion: 15 } });
});
