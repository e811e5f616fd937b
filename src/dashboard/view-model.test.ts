import test from 'node:test';
import assert from 'node:assert/strict';
import type { StoredCluster } from '../api/cluster-status.js';
import type { StoredBackup } from '../api/backup.js';
import type { InstanceStatus } from '../instance/status.js';
import type { ObservedInstance } from '../operator/types.js';
import { clusterView, eventCategory, intervalSeconds } from './view-model.js';
import type { ClusterSnapshot } from './source.js';

const NOW = new Date('2026-12-05T07:00:00Z');

function status(name: string, s: Partial<InstanceStatus>): InstanceStatus {
  return { name, managerPid: 1, phase: 'running', postgresRunning: true, ready: true, pendingRestart: false, port: 5432, pgdata: '/x', replicationInfo: [], ...s };
}

const cluster = (status: StoredCluster['status'] = {}): StoredCluster =>
  ({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg', namespace: 'default' }, spec: { instances: 3 }, status }) as unknown as StoredCluster;

function snapshot(instances: ObservedInstance[], more: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
  return { cluster: cluster({ currentPrimary: 'pg-1', phase: 'Cluster in healthy state' }), instances, backups: [], events: [], metrics: {}, now: NOW, ...more };
}

const healthy = (): ObservedInstance[] => [
  { name: 'pg-2', serial: 2, running: true, role: 'replica', status: status('pg-2', { isPrimary: false, timeLineID: 1, replayLsn: '0/3000000', isWalReceiverActive: true }) },
  {
    name: 'pg-1',
    serial: 1,
    running: true,
    role: 'primary',
    status: status('pg-1', {
      isPrimary: true,
      timeLineID: 1,
      currentLsn: '0/3000400',
      replicationInfo: [
        { applicationName: 'pg-2', state: 'streaming', replayLsn: '0/3000000', replayLag: '00:00:01.5', syncState: 'async', syncPriority: 0 },
        { applicationName: 'pg-3', state: 'streaming', replayLsn: '0/3000400', syncState: 'quorum', syncPriority: 1 },
      ],
    }),
  },
  { name: 'pg-3', serial: 3, running: true, role: 'replica', status: status('pg-3', { isPrimary: false, timeLineID: 1, replayLsn: '0/3000400' }) },
];

test('roles come from PostgreSQL, lag from what the primary sees of each replica', () => {
  const v = clusterView(snapshot(healthy()));
  assert.deepEqual(v.instances.map((i) => [i.name, i.role, i.ready]), [['pg-1', 'primary', true], ['pg-2', 'replica', true], ['pg-3', 'replica', true]]);
  const [p, r2, r3] = v.instances;
  assert.equal(p!.lsn, '0/3000400');
  assert.equal(p!.lagBytes, undefined);
  assert.deepEqual([r2!.lagBytes, r2!.lagSeconds, r2!.streaming, r2!.syncState], [1024, 1.5, true, 'async']);
  // Caught up and idle: no replay_lag at all, which is no lag.
  assert.deepEqual([r3!.lagBytes, r3!.lagSeconds, r3!.syncState], [0, 0, 'quorum']);
  assert.equal(v.readyInstances, 3);
  assert.equal(v.currentPrimary, 'pg-1');
  assert.equal(v.timeline, 1);
});

test('the exporter\'s replication lag wins over the interval the primary reports', () => {
  const v = clusterView(snapshot(healthy(), { metrics: { 'pg-2': 'cnpg_pg_replication_lag 7\n' } }));
  assert.equal(v.instances.find((i) => i.name === 'pg-2')!.lagSeconds, 7);
});

test('during a failover: a dead primary is unknown and the promoted standby shows the role it already has', () => {
  const [r2, , r3] = healthy();
  const dead: ObservedInstance = { name: 'pg-1', serial: 1, running: false, role: 'primary', statusError: 'connect ECONNREFUSED', statusErrorKind: 'refused' };
  const promoted: ObservedInstance = { ...r2!, role: 'replica', status: status('pg-2', { isPrimary: true, timeLineID: 2, currentLsn: '0/3000800', ready: false }) };
  const v = clusterView(snapshot([dead, promoted, r3!]));
  const [p1, p2, p3] = v.instances;
  assert.deepEqual([p1!.role, p1!.desiredRole, p1!.phase, p1!.ready, p1!.error], ['unknown', 'primary', 'not running', false, 'connect ECONNREFUSED']);
  assert.deepEqual([p2!.role, p2!.desiredRole, p2!.timeline], ['primary', 'replica', 2]);
  // pg-3 has not been seen by the new primary yet: its lag counts from its own replay position.
  assert.deepEqual([p3!.role, p3!.lagBytes, p3!.streaming, p3!.lagSeconds], ['replica', 1024, false, undefined]);
  assert.equal(v.timeline, 2);
});

test('the recovery window runs from the first recoverability point to now while archiving works, else to the last archived WAL', () => {
  const [r2, p1, r3] = healthy();
  const archiving = (failing: boolean) => ({ destination: 's3://b/p', readyWalFiles: 0, failing, lastArchivedTime: '2026-12-05T06:50:00Z', lastError: failing ? 'access denied' : undefined });
  const withArchiving = (failing: boolean) => [r2!, { ...p1!, status: { ...p1!.status!, archiving: archiving(failing) } }, r3!];
  const c = cluster({ currentPrimary: 'pg-1', firstRecoverabilityPoint: '2026-12-04T00:00:00Z', lastSuccessfulBackup: '2026-12-05T00:00:00Z' });
  const ok = clusterView(snapshot(withArchiving(false), { cluster: c })).recovery;
  assert.deepEqual(ok, { from: '2026-12-04T00:00:00Z', to: NOW.toISOString(), archiving: true, lastSuccessfulBackup: '2026-12-05T00:00:00Z', lastFailedBackup: undefined });
  const failing = clusterView(snapshot(withArchiving(true), { cluster: c })).recovery;
  assert.equal(failing.to, '2026-12-05T06:50:00Z');
  assert.equal(failing.archiving, false);
  assert.equal(failing.archiveError, 'access denied');
  assert.deepEqual(clusterView(snapshot(healthy())).recovery, { from: undefined, to: undefined, archiving: false, lastSuccessfulBackup: undefined, lastFailedBackup: undefined });
});

test('backups newest first; events newest first, capped, categorised', () => {
  const backup = (name: string, startedAt: string, phase: 'completed' | 'failed'): StoredBackup =>
    ({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Backup', metadata: { name }, spec: { cluster: { name: 'pg' } }, status: { phase, startedAt, method: 'barmanObjectStore', instanceID: { podName: 'pg-1' } } }) as StoredBackup;
  const events = Array.from({ length: 60 }, (_, i) => ({ type: 'Normal' as const, reason: i === 59 ? 'FailingOver' : 'Scaling', message: `m${i}`, time: new Date(NOW.getTime() - (60 - i) * 1000).toISOString(), count: 1, involvedObject: { kind: 'Cluster', name: 'pg' } }));
  const v = clusterView(snapshot(healthy(), { backups: [backup('old', '2026-12-01T00:00:00Z', 'completed'), backup('new', '2026-12-05T00:00:00Z', 'failed')], events }));
  assert.deepEqual(v.backups.map((b) => [b.name, b.phase, b.instance]), [['new', 'failed', 'pg-1'], ['old', 'completed', 'pg-1']]);
  assert.equal(v.events.length, 50);
  assert.deepEqual([v.events[0]!.message, v.events[0]!.category, v.events[0]!.object], ['m59', 'failover', 'Cluster/pg']);
});

test('event categories', () => {
  const cat = (reason: string, kind = 'Cluster') => eventCategory({ reason, involvedObject: { kind, name: 'x' } });
  assert.deepEqual(
    [cat('FailingOver'), cat('FailoverTarget'), cat('Switchover'), cat('SwitchoverRefused'), cat('BackupStarted'), cat('Completed', 'Backup'), cat('CreatingInstance'), cat('RestartingPrimary'), cat('IssuingCertificate')],
    ['failover', 'failover', 'switchover', 'switchover', 'backup', 'backup', 'instance', 'instance', 'other'],
  );
});

test('PostgreSQL intervals in seconds', () => {
  assert.equal(intervalSeconds('00:00:00.000123'), 0.000123);
  assert.equal(intervalSeconds('01:02:03'), 3723);
  assert.equal(intervalSeconds('2 days 00:00:01'), 172801);
  assert.equal(intervalSeconds('1 day 00:00:00'), 86400);
  assert.equal(intervalSeconds(undefined), undefined);
  assert.equal(intervalSeconds('soon'), undefined);
});
