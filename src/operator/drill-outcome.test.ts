import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endedDrillOutcome } from './drill-outcome.js';

const said = { ok: true, stage: 'count', backupId: 'B', restoredWalFiles: 3 };

test('a drill that said its outcome and exited 0: that outcome, whatever it printed before', () => {
  assert.deepEqual(endedDrillOutcome('B', { said: `restoring…\n${JSON.stringify(said)}\n`, exitCode: 0 }), said);
});

test('a drill that ended without an outcome failed at restore, with the last lines it left', () => {
  const failed = (error: string) => ({ ok: false, stage: 'restore', backupId: 'B', error });
  assert.deepEqual(endedDrillOutcome('B', { said: 'not json', exitCode: 0 }), failed('not json'));
  assert.deepEqual(endedDrillOutcome('B', { said: JSON.stringify(said), reason: 'a\nb\n\nc\nd', exitCode: 1 }), failed('b | c | d'), 'a non-zero exit is no success, whatever was printed');
  assert.deepEqual(endedDrillOutcome('B', { exitCode: 9 }), failed('the drill exited with 9'));
  assert.deepEqual(endedDrillOutcome('B', {}), failed('the drill exited with an unknown code'));
  assert.deepEqual(endedDrillOutcome('B', { reason: 'x'.repeat(5000), exitCode: 1 }).error?.length, 1000);
  assert.deepEqual(endedDrillOutcome('B', { said: '{"ok":"yes"}', exitCode: 0 }), failed('{"ok":"yes"}'), 'JSON that is no outcome');
});

test('a drill stopped at its deadline says so, whatever it printed', () => {
  assert.deepEqual(endedDrillOutcome('B', { said: JSON.stringify(said), exitCode: 0, timedOutAfterMs: 90_000 }), { ok: false, stage: 'restore', backupId: 'B', error: 'the drill did not finish within 90 s and was stopped' });
});
