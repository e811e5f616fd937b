import test from 'node:test';
import assert from 'node:assert/strict';
import type { Cluster } from '../api/index.js';
import type { KubeObject } from '../api/meta.js';
import { fixture } from '../api/testing.js';
import type { ResourceStore } from './platform.js';
import { passthroughEnabled, resolvePasswordPassthrough } from './password-passthrough.js';
import { resolveRolePasswords } from './role-passwords.js';

const secret = (name: string, username: string, annotation?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'default', resourceVersion: '7', ...(annotation === undefined ? {} : { annotations: { 'cnpg.io/passwordPassthrough': annotation } }) },
  data: { username: Buffer.from(username).toString('base64'), password: Buffer.from('pw').toString('base64') },
});

const storeOf = (...objects: KubeObject[]) => ({ get: async (_kind: string, _ns: string | undefined, name: string) => objects.find((o) => o.metadata.name === name) }) as unknown as ResourceStore;

const cluster = (spec: Record<string, unknown>) => fixture('Cluster', { instances: 1, ...spec }, { name: 'pg', namespace: 'default' }) as Cluster;

test('only "enabled" turns passthrough on, as in CloudNativePG', () => {
  assert.equal(passthroughEnabled(secret('s', 'u', 'enabled')), true);
  for (const value of [undefined, 'true', 'Enabled', '', 'disabled']) assert.equal(passthroughEnabled(secret('s', 'u', value)), false, String(value));
  assert.equal(passthroughEnabled(undefined), false);
});

test('each managed role follows its own passwordSecret', async () => {
  const c = cluster({ managed: { roles: [{ name: 'dante', login: true, passwordSecret: { name: 'dante-pw' } }, { name: 'virgil', login: true, passwordSecret: { name: 'virgil-pw' } }] } });
  const roles = await resolveRolePasswords(storeOf(secret('dante-pw', 'dante'), secret('virgil-pw', 'virgil', 'enabled')), c);
  assert.deepEqual(roles.passthrough, ['virgil']);
  assert.deepEqual(await resolvePasswordPassthrough(storeOf(), c, { owner: 'app', superuserSecret: undefined }, roles.passthrough), { roles: ['virgil'] });
});

test('the application owner follows the Secret its password comes from: the bootstrap one, the owner role’s, else X-app', async () => {
  const boot = cluster({ bootstrap: { initdb: { database: 'app', owner: 'app', secret: { name: 'mine' } } } });
  const resolve = (c: Cluster, ...objects: KubeObject[]) => resolvePasswordPassthrough(storeOf(...objects), c, { owner: 'app', superuserSecret: undefined }, []);
  assert.deepEqual(await resolve(boot, secret('mine', 'app', 'enabled'), secret('pg-app', 'app')), { app: true });
  assert.equal(await resolve(boot, secret('mine', 'app'), secret('pg-app', 'app', 'enabled')), undefined, 'the source Secret decides, not its copy');
  const ownerRole = cluster({ managed: { roles: [{ name: 'app', login: true, passwordSecret: { name: 'app-pw' } }] } });
  assert.deepEqual(await resolve(ownerRole, secret('app-pw', 'app', 'enabled'), secret('pg-app', 'app')), { app: true });
  const generated = cluster({});
  assert.deepEqual(await resolve(generated, secret('pg-app', 'app', 'enabled')), { app: true });
  assert.equal(await resolve(generated, secret('pg-app', 'app')), undefined, 'nothing asked: no field at all');
});

test('the superuser follows the superuser Secret', async () => {
  const c = cluster({ enableSuperuserAccess: true });
  assert.deepEqual(await resolvePasswordPassthrough(storeOf(), c, { owner: 'app', superuserSecret: secret('pg-superuser', 'postgres', 'enabled') }, []), { superuser: true });
});
