import test from 'node:test';
import assert from 'node:assert/strict';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../../api/meta.js';
import { ObjectCache } from './cache.js';

const pod = (name: string, rv: string, labels: Record<string, string>, namespace = 'default'): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, resourceVersion: rv, labels, managedFields: [{ manager: 'x' }] } }) as KubeObject;

const cache = () => new ObjectCache(new KubeConfig(), 'Pod', { requiredLabel: 'cnpg.io/cluster', indexLabel: 'cnpg.io/cluster', authoritative: true });

test('a write is kept unless the cache already has a later version', () => {
  const c = cache();
  c.remember(pod('a-1', '10', { 'cnpg.io/cluster': 'a' }));
  c.remember(pod('a-1', '9', { 'cnpg.io/cluster': 'a', stale: 'yes' }));
  assert.equal(c.get('default', 'a-1')?.metadata.resourceVersion, '10');
  c.remember(pod('a-1', '11', { 'cnpg.io/cluster': 'a', role: 'primary' }));
  assert.equal(c.get('default', 'a-1')?.metadata.labels?.role, 'primary');
  assert.equal((c.get('default', 'a-1')?.metadata as { managedFields?: unknown }).managedFields, undefined, 'managedFields are not kept');
});

test('objects without the required label or outside it are not held', () => {
  const c = cache();
  c.remember(pod('other', '1', {}));
  assert.equal(c.get('default', 'other'), undefined);
  assert.equal(c.authoritative, true);
});

test('list: by namespace and labels, through the index, which follows a relabel', () => {
  const c = cache();
  c.remember(pod('a-1', '1', { 'cnpg.io/cluster': 'a', 'cnpg.io/podRole': 'instance' }));
  c.remember(pod('a-2', '2', { 'cnpg.io/cluster': 'a' }));
  c.remember(pod('b-1', '3', { 'cnpg.io/cluster': 'b', 'cnpg.io/podRole': 'instance' }));
  c.remember(pod('a-1', '4', { 'cnpg.io/cluster': 'a', 'cnpg.io/podRole': 'instance' }, 'other'));
  const names = (objs: KubeObject[]) => objs.map((o) => `${o.metadata.namespace}/${o.metadata.name}`).sort();
  assert.deepEqual(names(c.list('default', { 'cnpg.io/cluster': 'a' })), ['default/a-1', 'default/a-2']);
  assert.deepEqual(names(c.list('default', { 'cnpg.io/cluster': 'a', 'cnpg.io/podRole': 'instance' })), ['default/a-1']);
  assert.deepEqual(names(c.list(undefined, { 'cnpg.io/podRole': 'instance' })), ['default/a-1', 'default/b-1', 'other/a-1']);
  assert.equal(c.list().length, 4);
  c.remember(pod('a-2', '5', { 'cnpg.io/cluster': 'b' }));
  assert.deepEqual(names(c.list('default', { 'cnpg.io/cluster': 'a' })), ['default/a-1']);
  assert.deepEqual(names(c.list('default', { 'cnpg.io/cluster': 'b' })), ['default/a-2', 'default/b-1']);
});
