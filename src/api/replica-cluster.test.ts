import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodePromotionToken } from './promotion-token.js';
import { isReplicaCluster } from './replica-cluster.js';
import { clusterManifest, fixture, rejectionOf } from './testing.js';

const externalClusters = [
  { name: 'site-a', connectionParameters: { host: '127.0.0.1', user: 'streaming_replica' } },
  { name: 'site-b', connectionParameters: { host: '127.0.0.1', user: 'streaming_replica' } },
];
const base = { instances: 1, storage: { size: '1Gi' }, externalClusters };
const token = encodePromotionToken({
  latestCheckpointTimelineID: '1',
  redoWalFile: '000000010000000000000005',
  databaseSystemIdentifier: '7311234567890123456',
  latestCheckpointREDOLocation: '0/5000028',
  timeOfLatestCheckpoint: 'Sat 05 Dec 2026 13:10:00 UTC',
  operatorVersion: '0.1.0',
});

test('which Clusters are replicas, as CloudNativePG decides it', () => {
  const replica = (r: Record<string, unknown>, name = 'site-b') => isReplicaCluster(fixture('Cluster', { ...base, replica: r }, { name }));
  assert.equal(replica({ source: 'site-a', enabled: true }), true);
  assert.equal(replica({ source: 'site-a', enabled: false }), false);
  assert.equal(replica({ source: 'site-a', primary: 'site-a' }), true);
  assert.equal(replica({ source: 'site-a', primary: 'site-b' }), false);
  assert.equal(replica({ source: 'site-a', primary: 'site-b', self: 'site-b' }, 'local-name'), false);
  // Neither enabled nor primary: a replica (CloudNativePG compares the own name with an empty primary).
  assert.equal(replica({ source: 'site-a' }), true);
  assert.equal(isReplicaCluster(fixture('Cluster', base, { name: 'site-b' })), false);
});

test('a promotion token is accepted on the cluster it promotes', () => {
  assert.doesNotThrow(() => fixture('Cluster', { ...base, replica: { source: 'site-a', primary: 'site-b', promotionToken: token } }, { name: 'site-b' }));
});

test('a promotion token on a cluster that stays a replica is refused, naming the field', () => {
  const issues = rejectionOf(clusterManifest({ ...base, replica: { source: 'site-a', primary: 'site-a', promotionToken: token } }, 'site-b'));
  assert.ok(issues.some((l) => l.includes('spec.replica.promotionToken') && l.includes('only allowed once spec.replica.primary names this cluster')), issues.join('\n'));
});

test('a malformed promotion token is refused with what is wrong', () => {
  const issues = rejectionOf(clusterManifest({ ...base, replica: { source: 'site-a', primary: 'site-b', promotionToken: 'bm90IGpzb24=' } }, 'site-b'));
  assert.ok(issues.some((l) => l.includes('spec.replica.promotionToken') && l.includes('not JSON')), issues.join('\n'));
});

test('enabled and primary together are refused', () => {
  const issues = rejectionOf(clusterManifest({ ...base, replica: { source: 'site-a', primary: 'site-b', enabled: true } }, 'site-b'));
  assert.ok(issues.some((l) => l.includes('spec.replica.enabled') && l.includes('only one of enabled, primary')), issues.join('\n'));
});

test('minApplyDelay must be a duration', () => {
  const issues = rejectionOf(clusterManifest({ ...base, replica: { source: 'site-a', enabled: true, minApplyDelay: 'an hour' } }, 'site-b'));
  assert.ok(issues.some((l) => l.includes('spec.replica.minApplyDelay') && l.includes('must be a duration')), issues.join('\n'));
  assert.doesNotThrow(() => fixture('Cluster', { ...base, replica: { source: 'site-a', enabled: true, minApplyDelay: '1h30m' } }, { name: 'site-b' }));
});
