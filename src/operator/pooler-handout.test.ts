import test from 'node:test';
import assert from 'node:assert/strict';
import { isPooler, validateObject, type Pooler } from '../api/index.js';
import { handoutHash } from '../pgbouncer/handout.js';
import { poolerHandout, usesBuiltinAuth, type PoolerTls } from './pooler-handout.js';

function pooler(spec: Record<string, unknown>): Pooler {
  const { resource } = validateObject({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Pooler', metadata: { name: 'pg-pooler', namespace: 'prod' }, spec: { cluster: { name: 'pg' }, ...spec } });
  assert.ok(isPooler(resource));
  return resource;
}

const tls: PoolerTls = {
  serverCA: 'CA',
  clientServerCertificate: { cert: 'SERVER', key: 'SERVER-KEY' },
  serverClientCertificate: { cert: 'POOLER', key: 'POOLER-KEY' },
};
const target = { host: '127.0.0.1', port: 6001 };

test('built-in authentication: the pooler role and its lookup, its certificate towards PostgreSQL, no password anywhere', () => {
  const p = pooler({ instances: 2, type: 'rw', pgbouncer: { poolMode: 'transaction', parameters: { max_client_conn: '1000', default_pool_size: '25' } } });
  assert.ok(usesBuiltinAuth(p));
  const h = poolerHandout({ pooler: p, target, tls });
  assert.deepEqual(h.settings, {
    auth_type: 'hba',
    server_tls_sslmode: 'verify-ca',
    client_tls_sslmode: 'prefer',
    max_client_conn: '1000',
    default_pool_size: '25',
    pool_mode: 'transaction',
    auth_user: 'cnpg_pooler_pgbouncer',
    auth_query: 'SELECT usename, passwd FROM public.user_search($1)',
    ignore_startup_parameters: 'extra_float_digits,options',
    log_stats: '0',
    server_login_retry: '0.5',
  });
  assert.deepEqual(h.users, []);
  assert.deepEqual(h.target, target);
  assert.deepEqual(h.serverTLS, { ca: 'CA', client: { cert: 'POOLER', key: 'POOLER-KEY' } });
  assert.deepEqual(h.clientTLS, { server: { cert: 'SERVER', key: 'SERVER-KEY' } });
  assert.deepEqual(h.hba, ['host all all 0.0.0.0/0 md5', 'host all all ::/0 md5']);
  assert.equal(h.paused, false);
  assert.equal(poolerHandout({ pooler: p, target, tls }).settings.pool_mode, 'transaction');
  assert.equal(pooler({}).spec.pgbouncer.poolMode, 'session', "CloudNativePG's default pool mode");
});

test("the user's ignored startup parameters join the ones drivers need, once each; the user's pg_hba lines come first", () => {
  const p = pooler({ pgbouncer: { parameters: { ignore_startup_parameters: 'search_path, options,application_name' }, pg_hba: ['host all alice 10.0.0.0/8 reject'] } });
  const h = poolerHandout({ pooler: p, target, tls });
  assert.equal(h.settings.ignore_startup_parameters, 'extra_float_digits,options,search_path,application_name');
  assert.equal(h.hba[0], 'host all alice 10.0.0.0/8 reject');
  assert.equal(h.hba.length, 3);
});

test('a parameter the user sets wins over an operator default, never over what the operator owns', () => {
  // pool_mode itself is refused at apply (src/api/pgbouncer-parameters.ts); poolMode decides it.
  const p = pooler({ pgbouncer: { poolMode: 'transaction', parameters: { server_tls_sslmode: 'verify-full', log_stats: '1', server_login_retry: '5', auth_user: 'my_lookup' } } });
  const h = poolerHandout({ pooler: p, target, tls });
  assert.equal(h.settings.server_tls_sslmode, 'verify-full');
  assert.equal(h.settings.log_stats, '1');
  assert.equal(h.settings.server_login_retry, '5');
  assert.equal(h.settings.auth_user, 'my_lookup', "auth_user is on CloudNativePG's allow-list");
  assert.equal(h.settings.pool_mode, 'transaction', 'spec.pgbouncer.poolMode decides the pool mode');
});

test('a custom authQuerySecret replaces the built-in integration: its login in userlist, its query, no client certificate', () => {
  const p = pooler({ pgbouncer: { authQuerySecret: { name: 'lookup' }, authQuery: 'SELECT usename, passwd FROM my_lookup($1)' } });
  assert.equal(usesBuiltinAuth(p), false);
  const h = poolerHandout({ pooler: p, target, tls: { serverCA: 'CA', clientServerCertificate: tls.clientServerCertificate }, authQueryUser: { name: 'lookup_user', password: 's3cret' } });
  assert.equal(h.settings.auth_user, 'lookup_user');
  assert.equal(h.settings.auth_query, 'SELECT usename, passwd FROM my_lookup($1)');
  assert.deepEqual(h.users, [{ name: 'lookup_user', password: 's3cret' }]);
  assert.deepEqual(h.serverTLS, { ca: 'CA' });
  assert.throws(() => poolerHandout({ pooler: p, target, tls }), /needs the login that Secret holds/);
});

test('paused and a moved target change the handout, and so its hash', () => {
  const running = poolerHandout({ pooler: pooler({}), target, tls });
  const paused = poolerHandout({ pooler: pooler({ pgbouncer: { paused: true } }), target, tls });
  assert.equal(paused.paused, true);
  assert.notEqual(handoutHash(paused), handoutHash(running));
  assert.notEqual(handoutHash(poolerHandout({ pooler: pooler({}), target: { ...target, port: 6002 }, tls })), handoutHash(running));
  assert.equal(handoutHash(poolerHandout({ pooler: pooler({}), target, tls })), handoutHash(running));
});

test('a client CA the Pooler names is handed over to verify client certificates', () => {
  const h = poolerHandout({ pooler: pooler({ pgbouncer: { clientCASecret: { name: 'clients' } } }), target, tls: { ...tls, clientCA: 'CLIENTS' } });
  assert.deepEqual(h.clientTLS, { server: { cert: 'SERVER', key: 'SERVER-KEY' }, ca: 'CLIENTS' });
});
