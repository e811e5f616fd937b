import test from 'node:test';
import assert from 'node:assert/strict';
import type { StoredCluster as Cluster } from '../api/cluster-status.js';
import { encodePromotionToken } from '../api/promotion-token.js';
import { fixture } from '../api/testing.js';
import type { InstanceStatus } from '../instance/status.js';
import { PHASE, planCluster } from './decide.js';
import { configHash, desiredInstanceConfig } from './instance-config.js';
import { inheritedReplicationPassword, replicaClusterConfig, replicaSource } from './replica-cluster.js';
import type { ObservedInstance } from './types.js';

const externalClusters = [
  { name: 'site-a', connectionParameters: { host: '127.0.0.1', port: '5432', user: 'streaming_replica' }, barmanObjectStore: { destinationPath: 'file:///tmp/a' } },
  { name: 'site-b', barmanObjectStore: { destinationPath: 'file:///tmp/b', serverName: 'b-server' } },
];

function cluster(replica: Record<string, unknown>, status: Cluster['status'] = {}, name = 'site-b'): Cluster {
  return {
    ...fixture('Cluster', { instances: 2, storage: { size: '1Gi' }, externalClusters, bootstrap: { pg_basebackup: { source: 'site-a' } }, replica }, { name, namespace: 'default', generation: 1 }),
    status,
  };
}

function status(name: string, over: Partial<InstanceStatus>): InstanceStatus {
  return { name, managerPid: 1, phase: 'running', postgresRunning: true, ready: true, pendingRestart: false, port: 1, pgdata: '/d', replicationInfo: [], ...over };
}

/** The designated primary (in recovery) and a standby streaming from it, configured as the plan wants them. */
function instances(c: Cluster, primary: Partial<InstanceStatus>): ObservedInstance[] {
  const names = ['site-b-1', 'site-b-2'];
  return names.map((name, i) => ({
    name,
    serial: i + 1,
    running: true,
    role: i === 0 ? 'primary' : 'replica',
    configHash: configHash(desiredInstanceConfig(c, name, { primary: 'site-b-1', instances: names }, 15)),
    status: status(name, i === 0 ? { isPrimary: false, designatedPrimary: true, ...primary } : { isPrimary: false, isWalReceiverActive: true }),
  }));
}

const TOKEN = encodePromotionToken({
  latestCheckpointTimelineID: '1',
  redoWalFile: '000000010000000000000005',
  databaseSystemIdentifier: '7311234567890123456',
  latestCheckpointREDOLocation: '0/5000028',
  timeOfLatestCheckpoint: 'Sat 05 Dec 2026 13:10:00 UTC',
  operatorVersion: 'cnpg-ts',
});

const observed = (c: Cluster, primary: Partial<InstanceStatus> = {}) => ({ instances: instances(c, primary), secrets: new Set<string>(), now: new Date('2026-01-01T00:00:00Z') });

test('the source a designated primary follows: streaming when the entry connects, the store when it has one', () => {
  assert.deepEqual(replicaSource(cluster({ source: 'site-a', enabled: true, minApplyDelay: '1m30s' })), {
    name: 'site-a',
    streaming: true,
    store: { destinationPath: 'file:///tmp/a', serverName: 'site-a', endpointURL: undefined, walCompression: undefined, walMaxParallel: 1, dataCompression: undefined, dataJobs: 2, immediateCheckpoint: false },
    minApplyDelaySeconds: 90,
  });
  const b = replicaSource(cluster({ source: 'site-b', enabled: true }, {}, 'site-c'));
  assert.equal(b?.streaming, false);
  assert.equal(b?.store?.serverName, 'b-server');
});

test('only the primary carries spec.replica: its source, and once promoted the token', () => {
  const replica = cluster({ source: 'site-a', primary: 'site-a' });
  assert.equal(replicaClusterConfig(replica, true).replicaCluster?.source?.name, 'site-a');
  assert.deepEqual(replicaClusterConfig(replica, false), {});
  const promoted = cluster({ source: 'site-a', primary: 'site-b', promotionToken: TOKEN }, {}, 'site-b');
  assert.deepEqual(replicaClusterConfig(promoted, true).replicaCluster?.promote, { token: TOKEN });
  // The source stays named while the promotion waits: replay goes on up to the token.
  assert.equal(replicaClusterConfig(promoted, true).replicaCluster?.source?.name, 'site-a');
  const plain = fixture('Cluster', { instances: 1, storage: { size: '1Gi' } });
  assert.deepEqual(replicaClusterConfig(plain, true), {});
});

test('a designated primary in recovery is the healthy primary of a replica cluster, not a failed one', () => {
  const c = cluster({ source: 'site-a', enabled: true }, { currentPrimary: 'site-b-1', targetPrimary: 'site-b-1' });
  const plan = planCluster(c, observed(c), 15);
  assert.equal(plan.status.phase, PHASE.healthy);
  assert.ok(!plan.actions.some((a) => a.kind === 'isolateInstance' || a.kind === 'promoteInstance'));
  const route = plan.actions.find((a) => a.kind === 'routeEndpoints');
  assert.deepEqual(route?.kind === 'routeEndpoints' && route.rw, ['site-b-1']);
});

test('the demoted primary publishes its token in status, with an event, and keeps it while a replica', () => {
  const c = cluster({ source: 'site-a', primary: 'site-a' }, { currentPrimary: 'site-b-1', targetPrimary: 'site-b-1' });
  const plan = planCluster(c, observed(c, { demotionToken: 'TOKEN' }), 15);
  assert.equal(plan.status.demotionToken, 'TOKEN');
  assert.ok(plan.actions.some((a) => a.kind === 'recordEvent' && a.reason === 'DemotionToken'));
  const again = planCluster({ ...c, status: plan.status }, observed(c), 15);
  assert.equal(again.status.demotionToken, 'TOKEN');
  assert.ok(!again.actions.some((a) => a.kind === 'recordEvent' && a.reason === 'DemotionToken'));
});

test('a promotion waiting for its token says so; a refused one warns once and keeps the cluster a replica', () => {
  const c = cluster({ source: 'site-a', primary: 'site-b', promotionToken: TOKEN }, { currentPrimary: 'site-b-1', targetPrimary: 'site-b-1' });
  const waiting = planCluster(c, observed(c, { replicaPromotion: { state: 'waiting', message: 'waiting to replay up to 0/5000028' } }), 15);
  assert.equal(waiting.status.phase, PHASE.promotingToPrimaryCluster);
  assert.match(waiting.status.phaseReason ?? '', /waiting to replay/);
  assert.ok(waiting.requeueAfterMs);
  const refused = planCluster(c, observed(c, { replicaPromotion: { state: 'refused', message: 'the promotion token is of another database' } }), 15);
  assert.equal(refused.status.phase, PHASE.promotingToPrimaryCluster);
  assert.match(refused.status.phaseReason ?? '', /promotion refused: the promotion token is of another database/);
  assert.ok(refused.actions.some((a) => a.kind === 'recordEvent' && a.type === 'Warning' && a.reason === 'PromotionTokenRefused'));
  const again = planCluster({ ...c, status: refused.status }, observed(c, { replicaPromotion: { state: 'refused', message: 'the promotion token is of another database' } }), 15);
  assert.ok(!again.actions.some((a) => a.kind === 'recordEvent' && a.reason === 'PromotionTokenRefused'));
});

test('once promoted with the token, status records it as the last promotion token', () => {
  const c = cluster({ source: 'site-a', primary: 'site-b', promotionToken: TOKEN }, { currentPrimary: 'site-b-1', targetPrimary: 'site-b-1', demotionToken: 'OLD' });
  const plan = planCluster(c, observed(c, { isPrimary: true, designatedPrimary: undefined }), 15);
  assert.equal(plan.status.lastPromotionToken, TOKEN);
  assert.equal(plan.status.demotionToken, undefined);
});

test("a replica cluster's standbys use the replication password of the source connection, when it connects as the replication role", () => {
  const replica = cluster({ source: 'site-a', enabled: true });
  assert.equal(inheritedReplicationPassword(replica, { 'site-a': { password: 'from-a' } }), 'from-a');
  assert.equal(inheritedReplicationPassword(replica, undefined), undefined);
  const promoted = cluster({ source: 'site-a', enabled: false });
  assert.equal(inheritedReplicationPassword(promoted, { 'site-a': { password: 'from-a' } }), undefined);
});
