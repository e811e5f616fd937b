import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoredBackup } from '../api/backup.js';
import { fixture } from '../api/testing.js';
import { validateObject } from '../api/index.js';
import type { BackupReport } from '../instance/base-backup.js';
import { chooseBackupInstance, planBackup } from './backup-plan.js';
import { resolvePluginStores } from './plugin-stores.js';
import type { ObservedInstance } from './types.js';

const now = new Date('2026-11-23T12:00:00Z');

function inst(name: string, serial: number, isPrimary: boolean, replayLsn?: string, ready = true, extra: Partial<NonNullable<ObservedInstance['status']>> = {}): ObservedInstance {
  return {
    name,
    serial,
    running: true,
    status: { name, managerPid: 1, phase: 'running', postgresRunning: true, ready, isPrimary, replayLsn, pendingRestart: false, port: 1, pgdata: '/x', replicationInfo: [], ...extra },
  };
}

const store = { destinationPath: 's3://b/p', endpointURL: 'http://127.0.0.1:9000', s3Credentials: { accessKeyId: { name: 's', key: 'A' }, secretAccessKey: { name: 's', key: 'B' } }, data: { jobs: 3 } };
const cluster = (backup: unknown = { barmanObjectStore: store, target: 'prefer-standby' }) => fixture('Cluster', { instances: 3, ...(backup ? { backup } : {}) });
const backup = (spec: Record<string, unknown> = {}, status?: StoredBackup['status']) => ({ ...fixture('Backup', { cluster: { name: 'pg' }, method: 'barmanObjectStore', ...spec }, { name: 'b1' }), status });

const pluginBackup = { method: 'plugin', pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' } };

const three = [inst('pg-1', 1, true, undefined), inst('pg-2', 2, false, '0/5000000'), inst('pg-3', 3, false, '0/6000000')];

test('prefer-standby takes the most caught-up ready standby, then the primary; primary takes the primary', () => {
  const cases: [Parameters<typeof chooseBackupInstance>[0], ObservedInstance[], string | undefined][] = [
    ['prefer-standby', three, 'pg-3'],
    ['primary', three, 'pg-1'],
    ['prefer-standby', [three[0]!, inst('pg-2', 2, false, '0/5000000', false)], 'pg-1'],
    ['prefer-standby', [inst('pg-1', 1, true, undefined, false)], undefined],
  ];
  for (const [target, instances, want] of cases) assert.equal(chooseBackupInstance(target, instances)?.name, want, `${target} ${instances.map((i) => i.name)}`);
});

test('in a replica cluster the designated primary takes every backup, whatever the target; not ready: the backup waits', () => {
  const designated = inst('pg-1', 1, false, '0/4000000', true, { designatedPrimary: true });
  const replica = [designated, inst('pg-2', 2, false, '0/5000000'), inst('pg-3', 3, false, '0/6000000')];
  assert.equal(chooseBackupInstance('prefer-standby', replica)?.name, 'pg-1');
  assert.equal(chooseBackupInstance('primary', replica)?.name, 'pg-1');
  assert.equal(chooseBackupInstance('prefer-standby', [inst('pg-1', 1, false, '0/4000000', false, { designatedPrimary: true }), replica[1]!])?.name, undefined);
  const failing = inst('pg-1', 1, false, '0/4000000', true, { designatedPrimary: true, archiving: { failing: true, lastError: 'store down' } as never });
  assert.match(planBackup({ backup: backup(), cluster: cluster(), instances: [failing, replica[1]!], now }).status.error ?? '', /store down/);
});

test('a new Backup starts on the chosen instance and records where it goes', () => {
  const plan = planBackup({ backup: backup(), cluster: cluster(), instances: three, now });
  assert.deepEqual(plan.actions, [{ kind: 'startBackup', instance: 'pg-3', backupName: 'b1', immediateCheckpoint: false, jobs: 3 }]);
  assert.equal(plan.status.phase, 'running');
  assert.equal(plan.status.destinationPath, 's3://b/p');
  assert.equal(plan.status.serverName, 'pg');
  assert.deepEqual(plan.status.instanceID, { podName: 'pg-3' });
  assert.ok(plan.requeueAfterMs);
  assert.equal(planBackup({ backup: backup({ target: 'primary' }), cluster: cluster(), instances: three, now }).status.instanceID?.podName, 'pg-1');
});

test('Backups that cannot run fail with the reason; no ready instance waits', () => {
  const cases: [string, Parameters<typeof planBackup>[0], RegExp | 'pending'][] = [
    ['no cluster', { backup: backup(), cluster: undefined, instances: [], now }, /cluster pg does not exist/],
    ['no store', { backup: backup(), cluster: cluster(null), instances: three, now }, /no spec\.backup\.barmanObjectStore/],
    ['snapshots', { backup: backup({ method: 'volumeSnapshot' }), cluster: cluster(), instances: three, now }, /volumeSnapshot is not supported/],
    ['plugin without its ObjectStore', { backup: backup(pluginBackup), cluster: cluster(null), instances: three, now }, /no ObjectStore to back up to: it needs spec\.plugins with barman-cloud\.cloudnative-pg\.io/],
    ['archiving failing', { backup: backup(), cluster: cluster(), instances: [inst('pg-1', 1, true, undefined, true, { archiving: { destination: 'x', failing: true, readyWalFiles: 3, lastError: 'access denied' } })], now }, /WAL archiving is failing.*access denied/],
    ['nothing ready', { backup: backup(), cluster: cluster(), instances: [inst('pg-1', 1, true, undefined, false)], now }, 'pending'],
  ];
  for (const [what, o, want] of cases) {
    const plan = planBackup(o);
    if (want === 'pending') assert.equal(plan.status.phase, 'pending', what);
    else {
      assert.equal(plan.status.phase, 'failed', what);
      assert.match(plan.status.error ?? '', want, what);
      assert.deepEqual(plan.actions, [], what);
    }
  }
});

test('method plugin takes the same base backup, to the store the plugin form resolved to', () => {
  const resolved = resolvePluginStores(fixture('Cluster', { instances: 3, plugins: [{ name: 'barman-cloud.cloudnative-pg.io', isWALArchiver: true, parameters: { barmanObjectName: 'store' } }] }), new Map([['store', validateObject({ apiVersion: 'barmancloud.cnpg.io/v1', kind: 'ObjectStore', metadata: { name: 'store' }, spec: { configuration: store } }).resource as never]])).cluster;
  const viaPlugin = planBackup({ backup: backup(pluginBackup), cluster: resolved, instances: three, now });
  const inTree = planBackup({ backup: backup(), cluster: cluster(), instances: three, now });
  assert.deepEqual(viaPlugin.actions, inTree.actions);
  assert.deepEqual({ ...viaPlugin.status, method: undefined }, { ...inTree.status, method: undefined });
  assert.equal(viaPlugin.status.method, 'plugin');
});

test('a running Backup follows its instance’s report to completion, then refreshes the catalog', () => {
  const running = backup({}, { phase: 'running', instanceID: { podName: 'pg-3' }, startedAt: now.toISOString() });
  const report = (phase: BackupReport['phase'], extra: Partial<BackupReport> = {}): BackupReport => ({ backupName: 'b1', instance: 'pg-3', phase, backupId: '20261123T120000', beginWal: 'A', endWal: 'B', ...extra });
  assert.equal(planBackup({ backup: running, cluster: cluster(), instances: three, report: report('running'), now }).status.phase, 'running');
  const done = planBackup({ backup: running, cluster: cluster(), instances: three, report: report('completed', { stoppedAt: 'T' }), now });
  assert.equal(done.status.phase, 'completed');
  assert.equal(done.status.backupId, '20261123T120000');
  assert.deepEqual(done.actions, [{ kind: 'refreshCatalog', instance: 'pg-1' }]);
  const failed = planBackup({ backup: running, cluster: cluster(), instances: three, report: report('failed', { error: 'disk full' }), now });
  assert.equal(failed.status.phase, 'failed');
  assert.equal(failed.status.error, 'disk full');
  assert.match(planBackup({ backup: running, cluster: cluster(), instances: three, report: null, now }).status.error ?? '', /no record of this backup/);
  const gone = three.map((i) => (i.name === 'pg-3' ? { ...i, running: false } : i));
  assert.match(planBackup({ backup: running, cluster: cluster(), instances: gone, now }).status.error ?? '', /stopped during the backup/);
});

test('finished Backups are left alone', () => {
  for (const phase of ['completed', 'failed'] as const) {
    const plan = planBackup({ backup: backup({}, { phase }), cluster: cluster(), instances: three, now });
    assert.deepEqual(plan.actions, []);
    assert.equal(plan.status.phase, phase);
  }
});
