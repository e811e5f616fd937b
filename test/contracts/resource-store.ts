// What the operator may rely on from a ResourceStore (src/operator/platform.ts), written once and
// run against each implementation: the local store and the Kubernetes API server.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/meta.js';
import { NotFoundError, type ResourceStore } from '../../src/operator/platform.js';

const NS = 'default';

const secret = (name: string, labels: Record<string, string> = {}, value = 'one'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: NS, labels },
  type: 'Opaque',
  data: { password: Buffer.from(value).toString('base64') },
});

const backup = (name: string): KubeObject => ({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Backup', metadata: { name, namespace: NS }, spec: { cluster: { name: 'pg' } } });

const password = (obj: KubeObject | undefined) => (obj?.data?.password ? Buffer.from(obj.data.password, 'base64').toString() : undefined);

/** `store()` is called once the suite runs (after the implementation's before hooks); each run uses names of its own. */
export function resourceStoreContract(implementation: string, store: () => ResourceStore): void {
  const name = (what: string) => `${implementation}-${what}`;

  describe(`ResourceStore contract: ${implementation}`, () => {
    test('a missing object: get gives undefined, delete false, list nothing; writes to it throw NotFoundError', async () => {
      const s = store();
      assert.equal(await s.get('Secret', NS, name('missing')), undefined);
      assert.equal(await s.delete('Secret', NS, name('missing')), false);
      assert.deepEqual((await s.list('Secret', NS)).filter((o) => o.metadata.name === name('missing')), []);
      await assert.rejects(s.patchMetadata('Secret', NS, name('missing'), { annotations: { a: 'b' } }), NotFoundError);
      await assert.rejects(s.updateStatus('Backup', NS, name('missing'), { phase: 'running' }), NotFoundError);
      await assert.rejects(s.patchMetadata('Secret', NS, name('missing'), { annotations: { a: 'b' } }), /secrets "[^"]+" not found in namespace "default"/);
    });

    test('put creates, then replaces; get and list show what was written; delete removes it once', async () => {
      const s = store();
      const created = await s.put(secret(name('put'), {}, 'one'));
      assert.ok(created.metadata.uid, 'a created object has a uid');
      assert.equal(password(await s.get('Secret', NS, name('put'))), 'one');
      const replaced = await s.put(secret(name('put'), {}, 'two'));
      assert.equal(replaced.metadata.uid, created.metadata.uid, 'a replaced object keeps its uid');
      assert.notEqual(replaced.metadata.resourceVersion, created.metadata.resourceVersion);
      assert.equal(password(await s.get('Secret', NS, name('put'))), 'two');
      assert.equal(await s.delete('Secret', NS, name('put')), true);
      assert.equal(await s.get('Secret', NS, name('put')), undefined);
      assert.equal(await s.delete('Secret', NS, name('put')), false);
    });

    test('labels: kept as written, and a list by labels gives only the objects carrying all of them', async () => {
      const s = store();
      await s.put(secret(name('label-a'), { 'cnpg.io/cluster': name('a'), role: 'app' }));
      await s.put(secret(name('label-b'), { 'cnpg.io/cluster': name('b'), role: 'app' }));
      await s.put(secret(name('label-none')));
      const names = async (labels: Record<string, string>) => (await s.list('Secret', NS, labels)).map((o) => o.metadata.name).filter((n) => n.startsWith(implementation)).sort();
      assert.deepEqual(await names({ 'cnpg.io/cluster': name('a') }), [name('label-a')]);
      assert.deepEqual(await names({ role: 'app' }), [name('label-a'), name('label-b')]);
      assert.deepEqual(await names({ role: 'app', 'cnpg.io/cluster': name('b') }), [name('label-b')]);
      assert.deepEqual((await s.get('Secret', NS, name('label-a')))?.metadata.labels, { 'cnpg.io/cluster': name('a'), role: 'app' });
      await s.patchMetadata('Secret', NS, name('label-a'), { annotations: { note: 'x' } });
      assert.equal((await s.get('Secret', NS, name('label-a')))?.metadata.annotations?.note, 'x');
      await s.patchMetadata('Secret', NS, name('label-a'), { annotations: { note: null } });
      assert.equal((await s.get('Secret', NS, name('label-a')))?.metadata.annotations?.note, undefined);
    });

    test('conflicts: a put carrying a stale resourceVersion, and writes racing each other, all land; the last one wins', async () => {
      const s = store();
      const first = await s.put(secret(name('conflict'), {}, 'one'));
      await s.put(secret(name('conflict'), {}, 'two'));
      const stale = { ...secret(name('conflict'), {}, 'three'), metadata: { ...first.metadata } };
      await s.put(stale);
      assert.equal(password(await s.get('Secret', NS, name('conflict'))), 'three');
      const values = ['a', 'b', 'c', 'd'];
      await Promise.all(values.map((v) => s.put(secret(name('conflict'), {}, v))));
      assert.ok(values.includes(password(await s.get('Secret', NS, name('conflict'))) ?? ''));
    });

    test('status: written only by updateStatus, kept by put, and refused with NotFoundError once the object is deleted', async () => {
      const s = store();
      await s.put(backup(name('status')));
      await s.updateStatus('Backup', NS, name('status'), { phase: 'running' });
      assert.deepEqual((await s.get('Backup', NS, name('status')))?.status, { phase: 'running' });
      await s.put({ ...backup(name('status')), status: { phase: 'failed' } } as KubeObject);
      assert.deepEqual((await s.get('Backup', NS, name('status')))?.status, { phase: 'running' }, 'put leaves the status alone');
      await Promise.all([s.updateStatus('Backup', NS, name('status'), { phase: 'completed' }), s.updateStatus('Backup', NS, name('status'), { phase: 'failed' })]);
      const phase = ((await s.get('Backup', NS, name('status')))?.status as { phase?: string } | undefined)?.phase;
      assert.ok(phase === 'completed' || phase === 'failed', `racing status writes both land (phase ${phase})`);
      assert.equal(await s.delete('Backup', NS, name('status')), true);
      await assert.rejects(s.updateStatus('Backup', NS, name('status'), { phase: 'completed' }), NotFoundError);
      await assert.rejects(s.patchMetadata('Backup', NS, name('status'), { annotations: { a: 'b' } }), NotFoundError);
    });
  });
}
