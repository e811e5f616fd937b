import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from '../api/testing.js';
import { ownerPasswordSecret, planRoleSecrets } from './role-secrets.js';

const cluster = fixture(
  'Cluster',
  {
    storage: { size: '1Gi' },
    bootstrap: { initdb: { database: 'myapp_dev', owner: 'myapp_dev' } },
    managed: {
      roles: [
        { name: 'myapp_dev', login: true, passwordSecret: { name: 'dev-password' } },
        { name: 'myapp_prod', login: true, passwordSecret: { name: 'prod-password' } },
        { name: 'gone', ensure: 'absent', passwordSecret: { name: 'gone-password' } },
      ],
    },
  },
  { name: 'postgres' },
);

test("the owner's role Secret is the application password's source once it exists", () => {
  assert.equal(ownerPasswordSecret(cluster, 'myapp_dev', new Set(['dev-password'])), 'dev-password');
  assert.equal(ownerPasswordSecret(cluster, 'myapp_dev', new Set()), undefined);
  assert.equal(ownerPasswordSecret(cluster, 'someone_else', new Set(['dev-password'])), undefined);
});

test('a missing role Secret is reported in status, with one Event when it goes missing', () => {
  const first = planRoleSecrets(cluster, new Set(['dev-password']), undefined);
  assert.deepEqual(Object.keys(first.status?.cannotReconcile ?? {}), ['myapp_prod']);
  assert.equal(first.actions.length, 1);
  assert.match(JSON.stringify(first.actions[0]), /ManagedRoleSecretMissing.*myapp_prod.*prod-password does not exist/);
  assert.deepEqual(planRoleSecrets(cluster, new Set(['dev-password']), first.status).actions, []);
  assert.deepEqual(planRoleSecrets(cluster, new Set(['dev-password', 'prod-password']), first.status), { actions: [] });
});
