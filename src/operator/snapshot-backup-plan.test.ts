import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackupStatus, StoredBackup } from '../api/backup.js';
import { fixture } from '../api/testing.js';
import { planSnapshotBackup, runSnapshotBackup, type SnapshotOps, type SnapshotRun } from './snapshot-backup-plan.js';
import { SnapshotNameTaken, snapshotElements, snapshotOwnerGone } from './snapshot-types.js';
import type { ObservedInstance } from './types.js';

const now = new Date('2026-12-06T08:00:00Z');

function inst(name: string, serial: number, isPrimary: boolean, replayLsn?: string): ObservedInstance {
  return {
    name,
    serial,
    running: true,
    status: { name, managerPid: 1, phase: 'running', postgresRunning: true, ready: true, isPrimary, replayLsn, pendingRestart: false, port: 1, pgdata: '/x', replicationInfo: [] },
  };
}
const three = [inst('pg-1', 1, true), inst('pg-2', 2, false, '0/5000000'), inst('pg-3', 3, false, '0/6000000')];
const cluster = (volumeSnapshot: unknown = {}, extra: Record<string, unknown> = {}) =>
  fixture('Cluster', { instances: 3, ...(volumeSnapshot ? { backup: { volumeSnapshot } } : {}), ...extra });
const backup = (spec: Record<string, unknown> = {}, status?: StoredBackup['status']) => ({ ...fixture('Backup', { cluster: { name: 'pg' }, method: 'volumeSnapshot', ...spec }, { name: 'snap1' }), status });

test('snapshot names are CloudNativePG\'s: <backup>, <backup>-wal, <backup>-tbs-<name>', () => {
  assert.deepEqual(snapshotElements('b', true, ['app_data']), [
    { name: 'b', type: 'PG_DATA' },
    { name: 'b-wal', type: 'PG_WAL' },
    { name: 'b-tbs-app-data', type: 'PG_TABLESPACE', tablespaceName: 'app_data' },
  ]);
});

test('an online snapshot backup starts on the most caught-up standby, with the Cluster\'s settings under the Backup\'s', () => {
  const plan = planSnapshotBackup({ backup: backup({ onlineConfiguration: { immediateCheckpoint: true } }), cluster: cluster(), instances: three, now }, true);
  assert.equal(plan.status.phase, 'running');
  assert.equal(plan.status.method, 'volumeSnapshot');
  assert.equal(plan.status.online, true);
  assert.deepEqual(plan.status.instanceID, { podName: 'pg-3' });
  assert.deepEqual(plan.status.snapshotBackupStatus, { elements: [{ name: 'snap1', type: 'PG_DATA' }] });
  assert.equal(plan.run?.instance, 'pg-3');
  assert.equal(plan.run?.immediateCheckpoint, true);
  assert.equal(plan.run?.waitForArchive, true);
  assert.equal(plan.run?.owner.policy, 'none');
});

test('a Cluster as Kubernetes stores it without the defaulting webhook (volumeSnapshot: {}) gets CloudNativePG\'s defaults', () => {
  const bare = cluster();
  (bare.spec.backup as { volumeSnapshot: unknown }).volumeSnapshot = {};
  const plan = planSnapshotBackup({ backup: backup(), cluster: bare, instances: three, now }, true);
  assert.deepEqual([plan.run?.online, plan.run?.immediateCheckpoint, plan.run?.waitForArchive, plan.run?.owner.policy], [true, false, true, 'none']);
});

test('a cold snapshot of the only instance fences the primary, with a warning', () => {
  const plan = planSnapshotBackup({ backup: backup({ online: false }), cluster: cluster({ snapshotOwnerReference: 'backup' }), instances: [three[0]!], now }, true);
  assert.equal(plan.run?.online, false);
  assert.equal(plan.run?.instance, 'pg-1');
  assert.equal(plan.event?.reason, 'FencingPrimary');
  assert.equal(plan.run?.owner.policy, 'backup');
});

test('snapshot backups that cannot run fail with the reason; none runs', () => {
  const cases: [string, Parameters<typeof planSnapshotBackup>[0], boolean, RegExp][] = [
    ['no cluster', { backup: backup(), cluster: undefined, instances: [], now }, true, /cluster pg does not exist/],
    ['platform', { backup: backup(), cluster: cluster(), instances: three, now }, false, /volume snapshots are not available on this platform yet/],
    ['no volumeSnapshot', { backup: backup(), cluster: cluster(null), instances: three, now }, true, /no spec\.backup\.volumeSnapshot/],
  ];
  for (const [what, o, available, want] of cases) {
    const plan = planSnapshotBackup(o, available);
    assert.equal(plan.status.phase, 'failed', what);
    assert.match(plan.status.error ?? '', want, what);
    assert.equal(plan.run, undefined, what);
    assert.equal(plan.event?.type, 'Warning', what);
  }
  assert.equal(planSnapshotBackup({ backup: backup(), cluster: cluster(), instances: [], now }, true).status.phase, 'pending');
  const failing = [{ ...three[0]!, status: { ...three[0]!.status!, archiving: { failing: true, lastError: 'store down' } as never } }, ...three.slice(1)];
  assert.match(planSnapshotBackup({ backup: backup(), cluster: cluster(), instances: failing, now }, true).status.error ?? '', /archiving is failing.*store down/);
  assert.equal(planSnapshotBackup({ backup: backup({ onlineConfiguration: { waitForArchive: false } }), cluster: cluster(), instances: failing, now }, true).status.phase, 'running');
  assert.equal(planSnapshotBackup({ backup: backup({ online: false }), cluster: cluster(), instances: failing, now }, true).status.phase, 'running');
});

test('a run found still running (the operator stopped) is failed, and its instance released', () => {
  const plan = planSnapshotBackup({ backup: backup({}, { phase: 'running', online: true, instanceID: { podName: 'pg-2' } }), cluster: cluster(), instances: three, now }, true);
  assert.equal(plan.status.phase, 'failed');
  assert.match(plan.status.error ?? '', /operator stopped while snapshotting pg-2/);
  assert.equal(plan.release?.run.instance, 'pg-2');
  assert.deepEqual([plan.release?.run.online, plan.release?.held, plan.release?.fenced], [true, true, false]);
  assert.equal(plan.run, undefined);
});

test('a run found finalizing (the operator stopped) is failed; the instance was let go already, only the snapshots are deleted', () => {
  for (const online of [true, false]) {
    const plan = planSnapshotBackup({ backup: backup({}, { phase: 'finalizing', online, instanceID: { podName: 'pg-2' } }), cluster: cluster(), instances: three, now }, true);
    assert.equal(plan.status.phase, 'failed');
    assert.match(plan.status.error ?? '', /operator stopped while waiting for the snapshots to be ready to use/);
    assert.deepEqual([plan.release?.run.instance, plan.release?.held, plan.release?.fenced], ['pg-2', false, false]);
  }
});

const CONTROL_DATA = "pg_control version number:            1300\nLatest checkpoint's TimeLineID:       2\nLatest checkpoint's REDO location:    0/5000028\nLatest checkpoint's REDO WAL file:    000000020000000000000005\n";

function fakeOps(failAt?: string): { ops: SnapshotOps; calls: string[]; reports: BackupStatus[] } {
  const calls: string[] = [];
  const reports: BackupStatus[] = [];
  const step = <T>(name: string, value: T) => () => {
    calls.push(name);
    return name === failAt ? Promise.reject(new Error(`${name} broke`)) : Promise.resolve(value);
  };
  return {
    calls,
    reports,
    ops: {
      controlData: step('controlData', CONTROL_DATA),
      ready: step('ready', undefined),
      report: (status) => {
        reports.push(status);
        return step('report', undefined)();
      },
      available: step('available', undefined),
      beginBackupMode: step('begin', { beginLSN: '0/3000028', beginWal: '000000010000000000000003', timeline: 1, startedAt: now.toISOString() }),
      endBackupMode: step('end', { endLSN: '0/3000100', endWal: '000000010000000000000003', timeline: 1, backupLabel: 'START WAL LOCATION: 0/3000028\n', tablespaceMap: '', stoppedAt: now.toISOString() }),
      abortBackupMode: step('abort', undefined),
      fence: step('fence', undefined),
      unfence: step('unfence', undefined),
      take: step('take', undefined),
      seal: step('seal', undefined),
      remove: step('remove', undefined),
    },
  };
}

const run = (online: boolean): SnapshotRun => ({ instance: 'pg-2', backupName: 'snap1', online, immediateCheckpoint: false, waitForArchive: true, elements: [{ name: 'snap1', type: 'PG_DATA' }], owner: { policy: 'none' } });

test('online: backup mode, snapshot, leave backup mode, record; the status has the WAL range', async () => {
  const { ops, calls } = fakeOps();
  const r = await runSnapshotBackup(run(true), { phase: 'running' }, ops, 'pg', () => now);
  assert.deepEqual(calls, ['available', 'begin', 'controlData', 'take', 'end', 'report', 'ready', 'seal']);
  assert.equal(r.status.phase, 'completed');
  assert.equal(r.status.beginLSN, '0/3000028');
  assert.equal(r.status.endLSN, '0/3000100');
  assert.equal(r.status.beginWal, '000000010000000000000003');
  assert.equal(r.status.stoppedAt, now.toISOString());
});

test('cold: fence, snapshot, unfence, record', async () => {
  const { ops, calls } = fakeOps();
  const r = await runSnapshotBackup(run(false), { phase: 'running' }, ops, 'pg', () => now);
  assert.deepEqual(calls, ['available', 'fence', 'controlData', 'take', 'unfence', 'report', 'ready', 'seal']);
  assert.equal(r.status.phase, 'completed');
  // As CloudNativePG has a cold backup's range: the stopped instance's last checkpoint, from pg_controldata.
  assert.deepEqual([r.status.beginWal, r.status.endWal, r.status.beginLSN, r.status.endLSN, r.status.timeline], ['000000020000000000000005', '000000020000000000000005', '0/5000028', '0/5000028', 2]);
});

test('finalizing once the instance is let go (out of backup mode, unfenced), until the snapshots are ready', async () => {
  for (const online of [true, false]) {
    const { ops, reports } = fakeOps();
    const r = await runSnapshotBackup(run(online), { phase: 'running', startedAt: now.toISOString() }, ops, 'pg', () => now);
    assert.deepEqual(reports.map((s) => s.phase), ['finalizing']);
    if (online) assert.equal(reports[0]?.endLSN, '0/3000100');
    assert.equal(r.status.phase, 'completed');
  }
});

test('a pg_controldata that cannot be read leaves the snapshots without it, the backup goes on', async () => {
  const { ops, calls } = fakeOps('controlData');
  const r = await runSnapshotBackup(run(true), { phase: 'running' }, ops, 'pg', () => now);
  assert.equal(r.status.phase, 'completed');
  assert.ok(calls.includes('seal'));
});

test('a driver error is waited on within cnpg.io/volumeSnapshotDeadline (first error recorded), and past it fails the Backup', async () => {
  const errorsThenCut = (ops: SnapshotOps, times: Date[]) => {
    ops.take = async (_i, _e, taking) => {
      for (const t of times) {
        clock = t;
        await taking.onError!('VolumeSnapshot default/snap1 failed: quota exceeded');
      }
    };
  };
  let clock = now;
  const within = fakeOps();
  errorsThenCut(within.ops, [now, new Date(now.getTime() + 30_000), new Date(now.getTime() + 59_000)]);
  const ok = await runSnapshotBackup({ ...run(true), annotations: { 'cnpg.io/volumeSnapshotDeadline': '1' } }, { phase: 'running' }, within.ops, 'pg', () => clock);
  assert.equal(ok.status.phase, 'completed', ok.status.error);
  assert.equal(within.reports[0]?.pluginMetadata?.cnpg_volumesnapshot, JSON.stringify({ volumeSnapshotFirstFailure: Math.floor(now.getTime() / 1000) }));
  assert.equal(within.reports.length, 2, 'the first error recorded once, then finalizing');

  const past = fakeOps();
  errorsThenCut(past.ops, [now, new Date(now.getTime() + 61_000)]);
  const failed = await runSnapshotBackup({ ...run(true), annotations: { 'cnpg.io/volumeSnapshotDeadline': '1' } }, { phase: 'running' }, past.ops, 'pg', () => clock);
  assert.equal(failed.status.phase, 'failed');
  assert.match(failed.status.error ?? '', /could not snapshot the volumes on pg-2: deadline exceeded for error VolumeSnapshot default\/snap1 failed: quota exceeded/);
  assert.ok(past.calls.includes('abort') && past.calls.includes('remove'));
});

test('every failure leaves the instance out of backup mode and unfenced, partial snapshots deleted, the Backup failed with why', async () => {
  const cases: [boolean, string, string[]][] = [
    // A platform that cannot snapshot (no VolumeSnapshot API) is found out before the instance is touched.
    [true, 'available', ['available']],
    [false, 'available', ['available']],
    [true, 'begin', ['begin']],
    [true, 'take', ['begin', 'take', 'abort', 'remove']],
    [true, 'end', ['begin', 'take', 'end', 'abort', 'remove']],
    [true, 'ready', ['begin', 'take', 'end', 'report', 'ready', 'remove']],
    [true, 'seal', ['begin', 'take', 'end', 'report', 'ready', 'seal', 'remove']],
    [false, 'fence', ['fence', 'unfence']],
    [false, 'take', ['fence', 'take', 'unfence', 'remove']],
    [false, 'unfence', ['fence', 'take', 'unfence', 'unfence', 'remove']],
    [false, 'ready', ['fence', 'take', 'unfence', 'report', 'ready', 'remove']],
    [false, 'seal', ['fence', 'take', 'unfence', 'report', 'ready', 'seal', 'remove']],
  ];
  for (const [online, failAt, want] of cases) {
    const { ops, calls } = fakeOps(failAt);
    const r = await runSnapshotBackup(run(online), { phase: 'running' }, ops, 'pg', () => now);
    assert.deepEqual(calls.filter((c) => (c !== 'available' || failAt === 'available') && c !== 'controlData'), want, `${online ? 'online' : 'cold'} ${failAt}`);
    assert.equal(r.status.phase, 'failed');
    assert.match(r.status.error ?? '', new RegExp(`${failAt} broke`));
    assert.equal(r.event?.reason, 'BackupFailed');
  }
});

test('snapshotOwnerReference: backup goes with its Backup, cluster with its Cluster (same uid), none stays', () => {
  const m = (policy: 'none' | 'cluster' | 'backup') => ({ owner: { policy, clusterUid: 'c1', backupUid: 'b1' } });
  assert.equal(snapshotOwnerGone(m('backup'), undefined, { uid: 'c1' }), true);
  assert.equal(snapshotOwnerGone(m('backup'), { uid: 'b1' }, undefined), false);
  assert.equal(snapshotOwnerGone(m('cluster'), undefined, { uid: 'c1' }), false);
  assert.equal(snapshotOwnerGone(m('cluster'), undefined, { uid: 'c2' }), true);
  assert.equal(snapshotOwnerGone(m('none'), undefined, undefined), false);
});

test("a name another backup's snapshot holds fails the Backup and leaves that snapshot: nothing of it is deleted", async () => {
  for (const online of [true, false]) {
    const { ops, calls } = fakeOps();
    ops.take = async () => {
      calls.push('take');
      throw new SnapshotNameTaken('snapshot default/snap1 exists already');
    };
    const r = await runSnapshotBackup(run(online), { phase: 'running' }, ops, 'pg', () => now);
    assert.equal(r.status.phase, 'failed');
    assert.match(r.status.error ?? '', /exists already/);
    assert.ok(!calls.includes('remove'), `${online ? 'online' : 'cold'}: ${calls.join(', ')}`);
    assert.ok(calls.includes(online ? 'abort' : 'unfence'));
  }
});
