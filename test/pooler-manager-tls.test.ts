// TLS both ways through the pooler manager's files, with real certificates: PgBouncer verifies
// PostgreSQL against the handout's CA and logs in with the handout's client certificate (PostgreSQL
// checks it with `cert`), and offers the handout's server certificate to clients.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import pg from 'pg';
import { issueAuthority, issueLeaf } from '../src/pki/x509.js';
import { handoutHash, type PoolerHandout } from '../src/pgbouncer/handout.js';
import { eventually, ownedTempDir, removeDir, startPoolerManager, startPostgres, unprivileged, type TestPoolerManager, type TestPostgres } from './support/pooler.js';

const as = unprivileged();
const dir = ownedTempDir('cnpg-pooler-tls-', as);
let postgres: TestPostgres;
let manager: TestPoolerManager;
let ca: { cert: string; key: string };
let handout: PoolerHandout;

function ownedFile(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o600 });
  if (as.uid !== undefined) chownSync(path, as.uid, as.gid!);
  return path;
}

before(async () => {
  const now = new Date();
  ca = await issueAuthority('pooler-test-ca', now);
  const server = await issueLeaf({ authority: ca, commonName: 'postgres', names: ['127.0.0.1', 'localhost'], usage: 'server', now });
  const pooler = await issueLeaf({ authority: ca, commonName: 'pgbouncer', names: ['127.0.0.1', 'localhost'], usage: 'server', now });
  const tester = await issueLeaf({ authority: ca, commonName: 'tester', names: [], usage: 'client', now });
  const hba = ownedFile('pg_hba.conf', ['local all postgres trust', 'host all postgres 127.0.0.1/32 trust', 'hostssl all tester 127.0.0.1/32 cert', ''].join('\n'));
  postgres = await startPostgres(dir, as, {
    max_connections: '20',
    ssl: 'on',
    ssl_cert_file: ownedFile('server.crt', server.cert),
    ssl_key_file: ownedFile('server.key', server.key),
    ssl_ca_file: ownedFile('ca.crt', ca.cert),
    hba_file: hba,
  });
  const c = new pg.Client({ host: '127.0.0.1', port: postgres.port, user: 'postgres', database: 'postgres' });
  await c.connect();
  await c.query('CREATE ROLE tester LOGIN');
  await c.end();
  handout = {
    settings: { pool_mode: 'transaction', auth_type: 'hba', server_tls_sslmode: 'verify-full', client_tls_sslmode: 'require' },
    target: { host: '127.0.0.1', port: postgres.port },
    hba: ['hostssl all tester 127.0.0.1/32 trust'],
    users: [{ name: 'tester', password: 'unused-with-trust' }],
    serverTLS: { ca: ca.cert, client: { cert: tester.cert, key: tester.key } },
    clientTLS: { server: { cert: pooler.cert, key: pooler.key } },
    paused: false,
  };
  manager = await startPoolerManager(dir, as, handout);
  await eventually('applied', async () => {
    const s = await manager.client.status();
    return s.ready && s.appliedHash === handoutHash(handout) ? true : undefined;
  });
});

after(async () => {
  await manager?.stop();
  await postgres?.stop();
  removeDir(dir);
});

test('a client verifies PgBouncer\'s certificate, and PgBouncer reaches PostgreSQL over verified TLS with its client certificate', async () => {
  const client = new pg.Client({ host: '127.0.0.1', port: manager.port, user: 'tester', database: 'postgres', ssl: { ca: ca.cert, servername: 'localhost' } });
  await client.connect();
  const { rows } = await client.query<{ ssl: boolean; cn: string; who: string }>('SELECT ssl, client_dn AS cn, current_user AS who FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
  await client.end();
  assert.deepEqual(rows, [{ ssl: true, cn: '/CN=tester', who: 'tester' }]);
});

test('a client without TLS is refused (client_tls_sslmode require), and one that does not trust the CA fails to verify', async () => {
  const plain = new pg.Client({ host: '127.0.0.1', port: manager.port, user: 'tester', database: 'postgres', ssl: false });
  await assert.rejects(plain.connect(), /SSL required|no such user|not allowed|pg_hba/i);
  const untrusting = new pg.Client({ host: '127.0.0.1', port: manager.port, user: 'tester', database: 'postgres', ssl: { rejectUnauthorized: true } });
  await assert.rejects(untrusting.connect(), /self[- ]signed|unable to verify|certificate/i);
});

test('a rotated certificate is offered to new clients after the RELOAD, and a connected client stays', async () => {
  const connect = async () => {
    const c = new pg.Client({ host: '127.0.0.1', port: manager.port, user: 'tester', database: 'postgres', ssl: { ca: ca.cert, servername: 'localhost' } });
    await c.connect();
    const stream = (c as unknown as { connection: { stream: TLSSocket } }).connection.stream;
    return { c, cn: stream.getPeerCertificate().subject.CN };
  };
  const before = await connect();
  assert.equal(before.cn, 'pgbouncer');
  const rotated = await issueLeaf({ authority: ca, commonName: 'pgbouncer-rotated', names: ['127.0.0.1', 'localhost'], usage: 'server', now: new Date() });
  const next: PoolerHandout = { ...handout, clientTLS: { server: { cert: rotated.cert, key: rotated.key } } };
  manager.writeHandout(next);
  await eventually('rotated handout applied', async () => ((await manager.client.status()).appliedHash === handoutHash(next) ? true : undefined));
  const after = await connect();
  assert.equal(after.cn, 'pgbouncer-rotated');
  assert.equal((await before.c.query('SELECT 1 AS one')).rows[0].one, 1, 'the client connected before the rotation stays');
  await before.c.end();
  await after.c.end();
  handout = next;
});

test('the keys in the run folder are 0600 and the folder 0700', async () => {
  const { statSync } = await import('node:fs');
  assert.equal(statSync(manager.runDir).mode & 0o777, 0o700);
  for (const name of ['server-tls.key', 'client-tls.key', 'userlist.txt', 'pgbouncer.ini']) assert.equal(statSync(join(manager.runDir, name)).mode & 0o777, 0o600, name);
});
