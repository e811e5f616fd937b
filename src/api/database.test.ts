import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManifestError, checkUpdate, validateObject, type Database } from './index.js';

const manifest = (spec: Record<string, unknown>) => ({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Database', metadata: { name: 'db-one' }, spec: { name: 'one', owner: 'app', cluster: { name: 'pg' }, ...spec } });
function refused(spec: Record<string, unknown>): string {
  try {
    validateObject(manifest(spec));
  } catch (e) {
    assert.ok(e instanceof ManifestError);
    return e.message;
  }
  return assert.fail('accepted');
}

test('a Database gets CloudNativePG defaults: present, retain, objects present', () => {
  const { resource, warnings } = validateObject(manifest({ extensions: [{ name: 'hstore' }], schemas: [{ name: 'app', owner: 'app' }] }));
  const spec = (resource as Database).spec;
  assert.equal(spec.ensure, 'present');
  assert.equal(spec.databaseReclaimPolicy, 'retain');
  assert.deepEqual(spec.extensions, [{ name: 'hstore', ensure: 'present' }]);
  assert.deepEqual(spec.schemas, [{ name: 'app', owner: 'app', ensure: 'present' }]);
  assert.deepEqual(warnings, []);
  assert.equal(resource.metadata.namespace, 'default');
});

test('bad Database manifests are refused with the field path', () => {
  assert.match(refused({ name: 'template1' }), /Database\/db-one: spec\.name: the database name "template1" is reserved/);
  assert.match(refused({ owner: undefined }), /spec\.owner: /);
  assert.match(refused({ ensure: 'gone' }), /spec\.ensure: .*present, absent/);
  assert.match(refused({ databaseReclaimPolicy: 'keep' }), /spec\.databaseReclaimPolicy: .*retain, delete/);
  assert.match(refused({ icuLocale: 'en' }), /spec\.icuLocale: requires localeProvider: icu/);
  assert.match(refused({ builtinLocale: 'C.UTF-8', localeProvider: 'icu' }), /spec\.builtinLocale: requires localeProvider: builtin/);
  assert.match(refused({ extensions: [{ name: 'hstore' }, { name: 'hstore' }] }), /spec\.extensions\[1\]\.name: duplicate extension "hstore"/);
  assert.match(refused({ schemas: [{ name: 'a\nb' }] }), /spec\.schemas\[0\]\.name: must not contain control characters/);
  assert.match(refused({ name: 'x'.repeat(64) }), /spec\.name: must be at most 63 bytes/);
  assert.match(refused({ connectionLimit: -2 }), /spec\.connectionLimit/);
});

test('foreign data wrappers and servers are accepted with defaults, without a warning; bad ones refused', () => {
  const { resource, warnings } = validateObject(
    manifest({ fdws: [{ name: 'postgres_fdw', handler: '-', usage: [{ name: 'app' }] }], servers: [{ name: 'remote', fdw: 'postgres_fdw', options: [{ name: 'host', value: 'pg-rw' }] }] }),
  );
  const spec = (resource as Database).spec;
  assert.deepEqual(spec.fdws, [{ name: 'postgres_fdw', ensure: 'present', handler: '-', usage: [{ name: 'app', type: 'grant' }] }]);
  assert.deepEqual(spec.servers?.[0]?.options, [{ name: 'host', value: 'pg-rw', ensure: 'present' }]);
  assert.deepEqual(warnings, []);
  assert.match(refused({ servers: [{ name: 'remote' }] }), /spec\.servers\[0\]\.fdw/);
  assert.match(refused({ servers: [{ name: 'r', fdw: 'w', options: [{ name: 'host', value: 'a\nb' }] }] }), /spec\.servers\[0\]\.options\[0\]\.value: must not contain control characters/);
  assert.match(refused({ fdws: [{ name: 'w', usage: [{ name: 'app', type: 'allow' }] }] }), /spec\.fdws\[0\]\.usage\[0\]\.type: .*grant, revoke/);
  assert.match(refused({ fdws: [{ name: 'w' }, { name: 'w' }] }), /spec\.fdws\[1\]\.name: duplicate foreign data wrapper "w"/);
});

test('CREATE DATABASE settings and the cluster cannot change; owner and limits can', () => {
  const old = validateObject(manifest({ encoding: 'UTF8' })).resource;
  assert.throws(() => checkUpdate(old, validateObject(manifest({ encoding: 'LATIN1' })).resource), /spec\.encoding: encoding cannot be changed/);
  assert.throws(() => checkUpdate(old, validateObject(manifest({ encoding: 'UTF8', name: 'two' })).resource), /spec\.name: name cannot be changed/);
  assert.throws(() => checkUpdate(old, validateObject(manifest({ encoding: 'UTF8', cluster: { name: 'other' } })).resource), /spec\.cluster/);
  checkUpdate(old, validateObject(manifest({ encoding: 'UTF8', owner: 'other', connectionLimit: 5, ensure: 'absent' })).resource);
});
