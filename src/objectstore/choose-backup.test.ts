import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackupInfo } from './backup-info.js';
import { chooseBaseBackup, type RecoveryTargetSpec } from './choose-backup.js';

function done(id: string, end: string, endXlog: string, timeline = 1): BackupInfo {
  return { backupId: id, status: 'DONE', beginTime: new Date(Date.parse(end) - 60_000), endTime: new Date(end), endXlog, timeline };
}

const catalog: BackupInfo[] = [
  done('20240101T000000', '2024-01-01T00:01:00Z', '0/3000100'),
  done('20240102T000000', '2024-01-02T00:01:00Z', '0/5000100'),
  { backupId: '20240102T120000', status: 'FAILED', beginTime: new Date('2024-01-02T12:00:00Z') },
  done('20240103T000000', '2024-01-03T00:01:00Z', '0/7000100', 2),
  { ...done('20240104T000000', '2024-01-04T00:01:00Z', '0/9000100', 2), backupName: 'nightly' },
];

test('chooseBaseBackup follows CloudNativePG rules', () => {
  const cases: [string, RecoveryTargetSpec | undefined, string | RegExp][] = [
    ['default: newest', undefined, '20240104T000000'],
    ['backupID', { backupID: '20240102T000000' }, '20240102T000000'],
    ['backupID by name', { backupID: 'nightly' }, '20240104T000000'],
    ['backupID with targetName', { backupID: '20240101T000000', targetName: 'before-upgrade' }, '20240101T000000'],
    ['missing backupID', { backupID: '20230101T000000' }, /not in the catalog/],
    ['failed backupID', { backupID: '20240102T120000' }, /FAILED, not DONE/],
    ['targetTime between', { targetTime: '2024-01-02T18:00:00Z' }, '20240102T000000'],
    ['targetTime exactly at end', { targetTime: '2024-01-03 00:01:00+00' }, '20240103T000000'],
    ['targetTime before all', { targetTime: '2023-12-31T00:00:00Z' }, /no completed backup ended before targetTime/],
    ['bad targetTime', { targetTime: 'yesterday' }, /invalid targetTime/],
    ['targetLSN', { targetLSN: '0/7000200' }, '20240103T000000'],
    ['targetLSN equal to end is excluded', { targetLSN: '0/7000100' }, '20240102T000000'],
    ['targetLSN too early', { targetLSN: '0/1000000' }, /targetLSN/],
    ['bad targetLSN', { targetLSN: 'xyz' }, /invalid targetLSN/],
    ['targetTLI numeric', { targetTLI: '1' }, '20240102T000000'],
    ['targetTLI latest', { targetTLI: 'latest' }, '20240104T000000'],
    ['targetTLI with time', { targetTLI: '1', targetTime: '2024-01-05T00:00:00Z' }, '20240102T000000'],
    ['targetTLI with LSN', { targetTLI: '2', targetLSN: '0/8000000' }, '20240103T000000'],
    ['targetTLI without backups', { targetTLI: '3' }, /on timeline 3/],
    ['bad targetTLI', { targetTLI: 'zero' }, /invalid targetTLI/],
    ['targetName needs backupID', { targetName: 'x' }, /targetName requires recoveryTarget.backupID/],
    ['targetXID needs backupID', { targetXID: '1234' }, /targetXID requires/],
    ['targetImmediate needs backupID', { targetImmediate: true }, /targetImmediate requires/],
  ];
  for (const [name, target, want] of cases) {
    const got = chooseBaseBackup(catalog, target);
    if (typeof want === 'string') assert.deepEqual(got.ok ? got.backup.backupId : got.message, want, name);
    else assert.match(got.ok ? `chose ${got.backup.backupId}` : got.message, want, name);
  }
});

test('chooseBaseBackup says so when there is no completed backup', () => {
  const got = chooseBaseBackup([{ backupId: 'x', status: 'STARTED' }], undefined);
  assert.equal(got.ok, false);
  assert.match(got.ok ? '' : got.message, /no completed backup/);
});
