import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCluster, validateObject, type Cluster } from '../api/index.js';
import { volumeResizes } from './rollout.js';
import type { ObservedInstance } from './types.js';

function cluster(spec: Record<string, unknown>): Cluster {
  const { resource } = validateObject({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg', namespace: 'default' }, spec: { instances: 1, storage: { size: '1Gi' }, ...spec } }, 'kubernetes');
  assert.ok(isCluster(resource));
  return resource;
}

const instance = (volumes: ObservedInstance['volumes']): ObservedInstance => ({ name: 'pg-1', serial: 1, running: true, volumes }) as ObservedInstance;

test('a tablespace whose storage.size grows has its claims resized, each tablespace by its own size', () => {
  const c = cluster({ tablespaces: [{ name: 'idx', storage: { size: '3Gi' } }, { name: 'tmp', storage: { size: '1Gi' } }] });
  const actions = volumeResizes(c, [
    instance([
      { role: 'PG_DATA', size: '1Gi' },
      { role: 'PG_TABLESPACE', tablespace: 'idx', size: '2Gi' },
      { role: 'PG_TABLESPACE', tablespace: 'tmp', size: '1Gi' },
    ]),
  ]);
  assert.deepEqual(actions, [{ kind: 'resizeVolume', name: 'pg-1', role: 'PG_TABLESPACE', tablespace: 'idx', size: '3Gi' }]);
});

test('resizeInUseVolumes: false on a tablespace leaves its claims alone', () => {
  const c = cluster({ tablespaces: [{ name: 'idx', storage: { size: '3Gi', resizeInUseVolumes: false } }] });
  assert.deepEqual(volumeResizes(c, [instance([{ role: 'PG_TABLESPACE', tablespace: 'idx', size: '2Gi' }])]), []);
});
