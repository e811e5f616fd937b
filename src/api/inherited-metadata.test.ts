import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inheritedMetadataPatch, isOperatorKey, withInheritedMetadata } from './inherited-metadata.js';

const inheriting = (labels?: Record<string, string>, annotations?: Record<string, string>) => ({ spec: { inheritedMetadata: { labels, annotations } } }) as Parameters<typeof withInheritedMetadata>[0];

test('at creation: inherited entries win over a template, never over the operator’s own keys', () => {
  const made = withInheritedMetadata(inheriting({ team: 'db', 'cnpg.io/cluster': 'hijack', role: 'x' }, { owner: 'data', 'kubectl.kubernetes.io/default-container': 'y' }), {
    metadata: { name: 'pg-rw', labels: { team: 'template', 'cnpg.io/cluster': 'pg' }, annotations: { 'kubectl.kubernetes.io/default-container': 'postgres' } },
  });
  assert.deepEqual(made.metadata.labels, { team: 'db', 'cnpg.io/cluster': 'pg' });
  assert.deepEqual(made.metadata.annotations, { owner: 'data', 'kubectl.kubernetes.io/default-container': 'postgres' });
  const plain = { metadata: { name: 'x', labels: { a: 'b' } } };
  assert.equal(withInheritedMetadata({ spec: {} } as Parameters<typeof withInheritedMetadata>[0], plain), plain);
});

test('operator keys: the cnpg.io domain, the legacy role label, the default container', () => {
  assert.ok(isOperatorKey('cnpg.io/instanceRole'));
  assert.ok(isOperatorKey('role'));
  assert.ok(isOperatorKey('kubectl.kubernetes.io/default-container'));
  assert.ok(!isOperatorKey('app.kubernetes.io/name'));
  assert.ok(!isOperatorKey('example.com/cnpg.io/x'));
});

test('on an existing object: a patch of the entries added or changed; the user’s own and those no longer inherited stay', () => {
  const cluster = inheriting({ team: 'db', tier: 'gold' }, { owner: 'data' });
  const existing = { labels: { 'cnpg.io/cluster': 'pg', team: 'web', mine: 'x', retired: 'old' }, annotations: { 'cnpg.io/nodeSerial': '1' } };
  assert.deepEqual(inheritedMetadataPatch(cluster, existing), { labels: { team: 'db', tier: 'gold' }, annotations: { owner: 'data' } });
  assert.deepEqual(inheritedMetadataPatch(inheriting(undefined, { owner: 'data' }), {}), { annotations: { owner: 'data' } });
});

test('on an existing object: nothing when it is up to date, nothing inherited, or only operator keys are asked for', () => {
  assert.equal(inheritedMetadataPatch(inheriting({ team: 'db' }, { owner: 'data' }), { labels: { team: 'db', x: 'y' }, annotations: { owner: 'data' } }), undefined);
  assert.equal(inheritedMetadataPatch({ spec: {} } as Parameters<typeof withInheritedMetadata>[0], { labels: { team: 'db' } }), undefined);
  assert.equal(inheritedMetadataPatch(inheriting({ 'cnpg.io/instanceRole': 'primary' }), { labels: { 'cnpg.io/instanceRole': 'replica' } }), undefined);
});
