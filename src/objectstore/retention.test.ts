import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackupInfo } from './backup-info.js';
import { parseRetentionPolicy, planRetention } from './retention.js';

test('parseRetentionPolicy accepts days, weeks and months', () => {
  assert.deepEqual(parseRetentionPolicy('30d'), { count: 30, unit: 'd' });
  assert.deepEqual(parseRetentionPolicy('4w'), { count: 4, unit: 'w' });
  assert.deepEqual(parseRetentionPolicy('12m'), { count: 12, unit: 'm' });
  for (const bad of ['', '30', 'd', '0d', '30y', '-1d', '1.5w', '30 days']) assert.throws(() => parseRetentionPolicy(bad), /e\.g\. "30d"/, bad);
});

const NOW = new Date('2024-03-01T00:00:00Z');
function b(id: string, status: BackupInfo['status'], beginWal: string, timeline = 1): BackupInfo {
  const y = id.slice(0, 4), m = id.slice(4, 6), d = id.slice(6, 8);
  const end = new Date(`${y}-${m}-${d}T01:00:00Z`);
  return { backupId: id, status, beginWal, timeline, ...(status === 'DONE' ? { beginTime: end, endTime: end } : {}) };
}
function wals(...names: string[]) {
  return names.map((name) => ({ name, key: `pg/wals/${name.slice(0, 16)}/${name}` }));
}

test('planRetention keeps the window plus the newest backup before it', () => {
  const catalog = [
    b('20240101T000000', 'DONE', '000000010000000000000002'),
    b('20240110T000000', 'FAILED', '000000010000000000000004'),
    b('20240120T000000', 'DONE', '000000010000000000000006'),
    b('20240125T000000', 'DONE', '000000010000000000000008'),
    b('20240215T000000', 'DONE', '00000001000000000000000A'),
    b('20240220T000000', 'FAILED', '00000001000000000000000B'),
  ];
  const archive = wals(
    '000000010000000000000001',
    '000000010000000000000002.00000028.backup',
    '000000010000000000000007',
    '000000010000000000000008',
    '000000010000000000000008.00000028.backup',
    '00000001000000000000000C',
  );
  const plan = planRetention(catalog, archive, '30d', NOW); // point of recoverability: 2024-01-31
  assert.deepEqual(plan.keep, ['20240125T000000', '20240215T000000', '20240220T000000']);
  assert.deepEqual(plan.obsoleteBackups, ['20240101T000000', '20240110T000000', '20240120T000000']);
  assert.deepEqual(plan.obsoleteWalKeys, [
    'pg/wals/0000000100000000/000000010000000000000001',
    'pg/wals/0000000100000000/000000010000000000000002.00000028.backup',
    'pg/wals/0000000100000000/000000010000000000000007',
  ]);
  assert.equal(plan.firstRecoverabilityPoint?.toISOString(), '2024-01-25T01:00:00.000Z');
});

test('planRetention tables', () => {
  const cases: { name: string; catalog: BackupInfo[]; wals: string[]; policy: string; keep: string[]; obsolete: string[]; walsGone: string[] }[] = [
    {
      name: 'no DONE backup: nothing is deleted',
      catalog: [b('20230101T000000', 'FAILED', '000000010000000000000001')],
      wals: ['000000010000000000000001'],
      policy: '1d',
      keep: ['20230101T000000'],
      obsolete: [],
      walsGone: [],
    },
    {
      name: 'all backups inside the window',
      catalog: [b('20240220T000000', 'DONE', '000000010000000000000005'), b('20240225T000000', 'DONE', '000000010000000000000007')],
      wals: ['000000010000000000000004', '000000010000000000000005'],
      policy: '4w',
      keep: ['20240220T000000', '20240225T000000'],
      obsolete: [],
      walsGone: ['000000010000000000000004'],
    },
    {
      name: 'all backups older than the window: the newest is kept',
      catalog: [b('20230101T000000', 'DONE', '000000010000000000000002'), b('20230201T000000', 'DONE', '000000010000000000000004')],
      wals: ['000000010000000000000003', '000000010000000000000004', '000000010000000000000005'],
      policy: '1m',
      keep: ['20230201T000000'],
      obsolete: ['20230101T000000'],
      walsGone: ['000000010000000000000003'],
    },
    {
      name: 'older timelines are cleaned, history files never',
      catalog: [b('20230101T000000', 'DONE', '000000010000000000000002'), b('20240228T000000', 'DONE', '000000020000000000000009', 2)],
      wals: ['000000010000000000000002', '00000001000000000000000A', '000000010000000000000009.partial', '00000002.history', '000000020000000000000008', '000000020000000000000009', '000000030000000000000001'],
      policy: '1d',
      keep: ['20240228T000000'],
      obsolete: ['20230101T000000'],
      walsGone: ['000000010000000000000002', '000000010000000000000009.partial', '00000001000000000000000A', '000000020000000000000008'],
    },
    {
      name: 'a timeline that still holds a kept backup is protected',
      catalog: [b('20240201T000000', 'DONE', '000000020000000000000009', 2), b('20240228T000000', 'DONE', '000000010000000000000003', 1)],
      wals: ['000000010000000000000002', '000000020000000000000001', '000000020000000000000009'],
      policy: '30d',
      keep: ['20240201T000000', '20240228T000000'],
      obsolete: [],
      walsGone: ['000000020000000000000001'],
    },
  ];
  for (const c of cases) {
    const plan = planRetention(c.catalog, wals(...c.wals), c.policy, NOW);
    assert.deepEqual(plan.keep, c.keep, c.name);
    assert.deepEqual(plan.obsoleteBackups, c.obsolete, c.name);
    assert.deepEqual(plan.obsoleteWalKeys, wals(...c.walsGone).map((w) => w.key).sort(), c.name);
  }
});
