import test from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from '../api/testing.js';
import { credentialsHash } from './credentials.js';
import { ldapConfig, ldapCredentials } from './ldap-config.js';
import { secretStore as storeWith } from './testing.js';

const cluster = (ldap: Record<string, unknown>) => fixture('Cluster', { instances: 1, storage: { size: '1Gi' }, postgresql: { ldap } });
const searchCluster = cluster({
  server: 'ldap.example.com',
  bindSearchAuth: { baseDN: 'ou=people,dc=example,dc=com', bindDN: 'cn=reader,dc=example,dc=com', bindPassword: { name: 'ldap-bind', key: 'password' }, searchAttribute: 'uid' },
});

test('the instance config carries the settings without the password; absent fields stay absent', () => {
  assert.deepEqual(ldapConfig(cluster({ server: 'ldap', port: 389, tls: true, bindAsAuth: { prefix: 'uid=' } })), {
    ldap: { server: 'ldap', port: 389, tls: true, bindAsAuth: { prefix: 'uid=', suffix: '' } },
  });
  assert.deepEqual(ldapConfig(searchCluster), {
    ldap: { server: 'ldap.example.com', bindSearchAuth: { baseDN: 'ou=people,dc=example,dc=com', bindDN: 'cn=reader,dc=example,dc=com', searchAttribute: 'uid' } },
  });
});

test('without a bind method there is no rule, as in CloudNativePG', () => {
  assert.deepEqual(ldapConfig(cluster({ server: 'ldap', port: 389 })), {});
  assert.deepEqual(ldapConfig(fixture('Cluster', { instances: 1, storage: { size: '1Gi' } })), {});
});

test('the bind password comes from its Secret, and a rotation changes the credentials hash', async () => {
  const first = await ldapCredentials(storeWith({ 'ldap-bind': { password: 'one' } }), searchCluster);
  assert.deepEqual(first, { ldapBindPassword: 'one' });
  const second = await ldapCredentials(storeWith({ 'ldap-bind': { password: 'two' } }), searchCluster);
  const base = { replicationPassword: 'r', rolePasswords: {} };
  assert.notEqual(credentialsHash({ ...base, ...first }), credentialsHash({ ...base, ...second }));
  assert.deepEqual(await ldapCredentials(storeWith({}), cluster({ server: 'ldap', bindAsAuth: {} })), {}, 'simple bind reads no Secret');
});

test('a missing Secret or key is an error naming the field and the Secret', async () => {
  await assert.rejects(ldapCredentials(storeWith({}), searchCluster), /spec\.postgresql\.ldap\.bindSearchAuth\.bindPassword: secret ldap-bind does not exist/);
  await assert.rejects(ldapCredentials(storeWith({ 'ldap-bind': { other: 'x' } }), searchCluster), /secret ldap-bind has no key "password"/);
});
