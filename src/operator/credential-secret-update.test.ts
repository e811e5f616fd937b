import test from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/meta.js';
import { credentialSecretUpdate } from './credential-secret-update.js';
import { credentialSecret, encodeData } from './secrets.js';

const own = credentialSecret({ cluster: 'pg', namespace: 'default', name: 'pg-app', userType: 'app', username: 'app', password: 'pw', dbname: 'app', rw: { host: 'pg-rw', port: 5432 } });
const inherit = (o: KubeObject, labels: Record<string, string>, annotations?: Record<string, string>): KubeObject => ({
  ...o,
  metadata: { ...o.metadata, labels: { ...labels, ...o.metadata.labels }, ...(annotations ? { annotations } : {}) },
});

test('a Secret as wanted is left alone, whatever else it carries', () => {
  const existing = inherit(own, { team: 'a', 'added-by-user': 'x' });
  assert.deepEqual(credentialSecretUpdate(existing, own, inherit(own, { team: 'a' })), {});
});

test('an inherited label that changed is merged in: no drift, and what others added stays', () => {
  const existing = inherit(own, { team: 'a', 'added-by-user': 'x' }, { note: 'kept' });
  const u = credentialSecretUpdate(existing, own, inherit(own, { team: 'b' }, { cost: '7' }));
  assert.equal(u.drift, undefined);
  assert.equal(u.write?.metadata.labels?.team, 'b');
  assert.equal(u.write?.metadata.labels?.['added-by-user'], 'x');
  assert.equal(u.write?.metadata.labels?.['cnpg.io/cluster'], 'pg');
  assert.deepEqual(u.write?.metadata.annotations, { note: 'kept', cost: '7' });
});

test("the operator's own labels and the username changed by hand are drift, put back", () => {
  const relabelled = { ...own, metadata: { ...own.metadata, labels: { ...own.metadata.labels, 'cnpg.io/cluster': 'other' } } };
  assert.equal(credentialSecretUpdate(relabelled, own, own).drift, 'its labels');
  const renamed = { ...own, data: encodeData({ username: 'intruder', password: 'pw', dbname: 'app' }) };
  const u = credentialSecretUpdate(renamed, own, own);
  assert.match(u.drift ?? '', /username/);
  assert.deepEqual(u.write?.data, own.data);
});

test('a missing Secret is written as wanted', () => {
  assert.deepEqual(credentialSecretUpdate(undefined, own, own), { write: own });
});
