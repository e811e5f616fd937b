import test from 'node:test';
import assert from 'node:assert/strict';
import { designatedParameters, designatedSource } from './designated-primary.js';
import type { ReplicaSourceSpec } from './spec.js';

const store = { destinationPath: 'file:///srv/b', serverName: 'a', walMaxParallel: 1, dataJobs: 2, immediateCheckpoint: false };

test('a designated primary archives what it receives, streams, restores from the store, follows new timelines and delays apply as told', () => {
  const source: ReplicaSourceSpec = { name: 'a', streaming: true, store, minApplyDelaySeconds: 3600 };
  assert.deepEqual(designatedParameters(source, '/bin/sh restore %f %p', "host='h' user='streaming_replica'"), {
    recovery_target_timeline: 'latest',
    archive_mode: 'always',
    restore_command: '/bin/sh restore %f %p',
    primary_conninfo: "host='h' user='streaming_replica'",
    recovery_min_apply_delay: '3600s',
  });
  assert.deepEqual(designatedParameters({ name: 'a', streaming: false, store }, 'r', undefined), { recovery_target_timeline: 'latest', archive_mode: 'always', restore_command: 'r' });
});

test('only a primary that is not being promoted follows the source', () => {
  const source: ReplicaSourceSpec = { name: 'a', streaming: true };
  assert.equal(designatedSource({ role: 'primary', replicaCluster: { source } }), source);
  assert.equal(designatedSource({ role: 'replica', replicaCluster: { source } }), undefined);
  assert.equal(designatedSource({ role: 'primary', replicaCluster: { source, promote: { token: 't' } } }), undefined);
  assert.equal(designatedSource({ role: 'primary' }), undefined);
});
