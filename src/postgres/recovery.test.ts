import assert from 'node:assert/strict';
import { test } from 'node:test';
import { postgresTargetTime, recoveryParameters } from './recovery.js';

test('target times get an explicit zone; no zone means UTC', () => {
  const cases: [string, string][] = [
    ['2024-01-15 13:41:00.000000+00', '2024-01-15 13:41:00.000000+00'],
    ['2024-01-15T13:41:00Z', '2024-01-15 13:41:00+00'],
    ['2024-01-15T13:41:00+02:00', '2024-01-15 13:41:00+02:00'],
    ['2024-01-15 13:41:00', '2024-01-15 13:41:00+00'],
  ];
  for (const [input, want] of cases) assert.equal(postgresTargetTime(input), want, input);
});

test('each recovery target becomes its GUC, inclusive unless exclusive', () => {
  const cmd = 'restore %f %p';
  assert.deepEqual(recoveryParameters(cmd, undefined), { restore_command: cmd, recovery_target_action: 'promote', recovery_target_timeline: 'latest' });
  const cases: [Parameters<typeof recoveryParameters>[1], Record<string, string>][] = [
    [{ targetLSN: '0/3000060' }, { recovery_target_lsn: '0/3000060', recovery_target_inclusive: 'on' }],
    [{ targetXID: '742', exclusive: true }, { recovery_target_xid: '742', recovery_target_inclusive: 'off' }],
    [{ targetName: 'before-migration' }, { recovery_target_name: 'before-migration', recovery_target_inclusive: 'on' }],
    [{ targetImmediate: true }, { recovery_target: 'immediate' }],
    [{ targetTime: '2024-01-15T13:41:00Z', targetTLI: '2' }, { recovery_target_time: '2024-01-15 13:41:00+00', recovery_target_inclusive: 'on', recovery_target_timeline: '2' }],
  ];
  for (const [target, want] of cases) {
    assert.deepEqual(recoveryParameters(cmd, target), { restore_command: cmd, recovery_target_action: 'promote', recovery_target_timeline: 'latest', ...want }, JSON.stringify(target));
  }
});
