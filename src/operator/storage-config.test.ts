import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCluster, validateObject, type Cluster } from '../api/index.js';
import { configHash, desiredInstanceConfig } from './instance-config.js';

function cluster(spec: Record<string, unknown> = {}): Cluster {
  const { resource } = validateObject({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg', namespace: 'default' }, spec: { instances: 2, storage: { size: '1Gi' }, ...spec } });
  assert.ok(isCluster(resource));
  return resource;
}

const topology = { primary: 'pg-1', instances: ['pg-1', 'pg-2'] };
const storage = { size: '1Gi' };

test('every instance gets walStorage and the tablespaces, owners defaulting to the application owner', () => {
  const c = cluster({
    bootstrap: { initdb: { database: 'shop', owner: 'shopper' } },
    walStorage: storage,
    tablespaces: [{ name: 'idx', storage, owner: { name: 'indexer' } }, { name: 'tmp', storage, temporary: true }],
  });
  for (const name of topology.instances) {
    assert.deepEqual(desiredInstanceConfig(c, name, topology, 15).storage, {
      wal: true,
      tablespaces: [
        { name: 'idx', owner: 'indexer', temporary: false },
        { name: 'tmp', owner: 'shopper', temporary: true },
      ],
    });
  }
});

test('temporary tablespaces, sorted, make temp_tablespaces; a name with capitals is quoted', () => {
  const c = cluster({ tablespaces: [{ name: 'zz', storage, temporary: true }, { name: 'Tmp', storage, temporary: true }, { name: 'data', storage }] });
  assert.equal(desiredInstanceConfig(c, 'pg-2', topology, 15).parameters['temp_tablespaces'], '"Tmp",zz');
  assert.equal(desiredInstanceConfig(cluster({ tablespaces: [{ name: 'data', storage }] }), 'pg-1', topology, 15).parameters['temp_tablespaces'], undefined);
});

test('a Cluster with neither keeps the configuration hash it had', () => {
  const config = desiredInstanceConfig(cluster(), 'pg-1', topology, 15);
  assert.equal('storage' in config, false);
  assert.equal(configHash(config), configHash(desiredInstanceConfig(cluster(), 'pg-1', topology, 15)));
});
