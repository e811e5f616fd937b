import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StoredCluster } from '../../api/cluster-status.js';
import { fencingTarget, promote, reload, restart, type ClusterAccess } from './ha.js';

test('fencing names an instance of the cluster, by name or serial, or all of them', () => {
  assert.equal(fencingTarget('pg', 'pg-2', ['pg-1', 'pg-2'], undefined), 'pg-2');
  assert.equal(fencingTarget('pg', '2', ['pg-1', 'pg-2'], undefined), 'pg-2');
  assert.equal(fencingTarget('pg', '*', [], undefined), '*');
  assert.equal(fencingTarget('pg', 'all', [], undefined), 'all');
});

test('an instance the cluster does not have is refused instead of reported fenced', () => {
  assert.throws(() => fencingTarget('pg', 'pg-9', ['pg-1', 'pg-2'], undefined), /instance pg-9 is not part of cluster pg \(instances: pg-1, pg-2; "\*" stands for all of them\)/);
  assert.throws(() => fencingTarget('pg', 'other-1', [], '[]'), /instances: none yet/);
});

test('an instance still in the fenced list can be unfenced after it is gone', () => {
  assert.equal(fencingTarget('pg', 'pg-3', ['pg-1'], '["pg-3"]'), 'pg-3');
});

/** A Cluster pg with pg-1 (primary) and pg-2, recording what the commands write. */
function fakeAccess(annotations: Record<string, string> = {}) {
  const written: Array<Record<string, string | null>> = [];
  const access: ClusterAccess = {
    getCluster: async (name) => ({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name, annotations }, spec: {}, status: { currentPrimary: 'pg-1' } }) as unknown as StoredCluster,
    instanceNames: async () => ['pg-1', 'pg-2'],
    annotateCluster: async (_name, patch) => void written.push(patch),
  };
  return { access, written };
}

test('restart of one instance is the cnpg.io/restartInstance annotation, whichever its role', async () => {
  const { access, written } = fakeAccess();
  assert.equal(await restart(access, 'pg', '1'), 'instance pg-1 restart requested (the primary, in place)\n');
  assert.equal(await restart(access, 'pg', 'pg-2'), 'instance pg-2 restart requested (a standby, recreated on its data)\n');
  assert.deepEqual(written, [{ 'cnpg.io/restartInstance': 'pg-1' }, { 'cnpg.io/restartInstance': 'pg-2' }]);
});

test('restart refuses an instance the cluster does not have, and a fenced one, writing nothing', async () => {
  const { access, written } = fakeAccess({ 'cnpg.io/fencedInstances': '["pg-2"]' });
  await assert.rejects(restart(access, 'pg', 'pg-7'), /instance pg-7 is not part of cluster pg \(instances: pg-1, pg-2\)/);
  await assert.rejects(restart(access, 'pg', '2'), /instance pg-2 of cluster pg is fenced; unfence it first/);
  assert.deepEqual(written, []);
});

test('promote, reload and a rolling restart are annotations too; promoting the primary is refused', async () => {
  const { access, written } = fakeAccess();
  await assert.rejects(promote(access, 'pg', 'pg-1'), /pg-1 is already the primary of pg/);
  await promote(access, 'pg', '2');
  await reload(access, 'pg');
  await restart(access, 'pg', undefined);
  assert.deepEqual(written.map((w) => Object.keys(w)[0]), ['cnpg.io/targetPrimary', 'cnpg.io/reloadedAt', 'kubectl.kubernetes.io/restartedAt']);
  assert.equal(written[0]?.['cnpg.io/targetPrimary'], 'pg-2');
});
