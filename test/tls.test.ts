// TLS by default on the local platform, with CloudNativePG's Secrets: the operator issues `X-ca`
// and `X-server`, clients verify the server through -rw (verify-full), streaming replication is
// encrypted too, and a renewed server certificate reaches PostgreSQL with a reload, not a restart.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import pg from 'pg';
import { issueLeaf } from '../src/pki/x509.js';
import { resolveInstallation } from '../src/postgres/binaries.js';
import { TestEnv, eventually } from './support/env.js';

interface Secret {
  type?: string;
  data?: Record<string, string>;
}
interface Pod {
  metadata: { name: string };
  status?: { local?: { pid?: number } };
}
interface ClusterStatus {
  certificates?: { serverCASecret: string; serverTLSSecret: string; clientCASecret: string; serverAltDNSNames?: string[]; expirations: Record<string, string> };
}

const env = new TestEnv();
const MANIFEST = `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: tls-pg
spec:
  instances: 2
  enableSuperuserAccess: true
  storage:
    size: 1Gi
  certificates:
    serverAltDNSNames: [db.example.test]
  bootstrap:
    initdb:
      database: app
      owner: app
`;
let appUri: URL;
let superuserUri: string;
let caPem = '';
let rwPort = 0;

const decode = (s: Secret, key: string) => Buffer.from(s.data?.[key] ?? '', 'base64').toString('utf8');
const secret = (name: string) => env.json<Secret>(['get', 'secret', name]);
const pods = async () => (await env.json<{ items: Pod[] }>(['get', 'pods', '-l', 'cnpg.io/cluster=tls-pg'])).items;

async function query<T>(config: pg.ClientConfig, sql: string): Promise<T> {
  const c = new pg.Client({ connectionTimeoutMillis: 5000, ...config });
  await c.connect();
  try {
    return (await c.query(sql)).rows[0] as T;
  } finally {
    await c.end();
  }
}

/** The certificate PostgreSQL presents on `port`, after the SSLRequest its protocol starts TLS with. */
async function servedCertificate(port: number): Promise<X509Certificate> {
  const socket = connectTcp(port, '127.0.0.1');
  await once(socket, 'connect');
  const sslRequest = Buffer.alloc(8);
  sslRequest.writeInt32BE(8, 0);
  sslRequest.writeInt32BE(80877103, 4);
  socket.write(sslRequest);
  const [answer] = (await once(socket, 'data')) as [Buffer];
  assert.equal(answer.toString('latin1', 0, 1), 'S', 'the server accepts TLS');
  const secure = connectTls({ socket, ca: caPem, servername: 'tls-pg-rw' });
  await once(secure, 'secureConnect');
  const cert = secure.getPeerX509Certificate();
  secure.destroy();
  assert.ok(cert);
  return cert;
}

before(async () => {
  await env.ok(['apply', '-f', '-'], MANIFEST);
  await env.ok(['wait', '--for=condition=Ready', 'cluster/tls-pg', '--timeout=180s'], undefined, 200_000);
  appUri = new URL(decode(await secret('tls-pg-app'), 'uri'));
  superuserUri = decode(await secret('tls-pg-superuser'), 'uri');
  caPem = decode(await secret('tls-pg-ca'), 'ca.crt');
  rwPort = Number(appUri.port);
});

after(() => env.cleanup());

test('the -ca and -server Secrets are CloudNativePG’s, and the server certificate names every way to the cluster', async () => {
  const ca = await secret('tls-pg-ca');
  assert.equal(ca.type, 'Opaque');
  assert.deepEqual(Object.keys(ca.data ?? {}).sort(), ['ca.crt', 'ca.key']);
  const server = await secret('tls-pg-server');
  assert.equal(server.type, 'kubernetes.io/tls');
  assert.deepEqual(Object.keys(server.data ?? {}).sort(), ['tls.crt', 'tls.key']);

  const caCert = new X509Certificate(caPem);
  const cert = new X509Certificate(decode(server, 'tls.crt'));
  assert.ok(caCert.ca && cert.checkIssued(caCert) && cert.verify(caCert.publicKey), 'signed by the cluster CA');
  const names = (cert.subjectAltName ?? '').split(', ');
  for (const svc of ['tls-pg-rw', 'tls-pg-ro', 'tls-pg-r']) {
    for (const form of [svc, `${svc}.default`, `${svc}.default.svc`, `${svc}.default.svc.cluster.local`]) assert.ok(names.includes(`DNS:${form}`), form);
  }
  for (const extra of ['DNS:db.example.test', 'DNS:localhost', 'IP Address:127.0.0.1']) assert.ok(names.includes(extra), extra);
  assert.ok(Date.parse(cert.validTo) - Date.now() > 89 * 86_400_000, `valid for 90 days (until ${cert.validTo})`);

  const status = (await env.json<{ status?: ClusterStatus }>(['get', 'cluster', 'tls-pg'])).status;
  assert.equal(status?.certificates?.serverCASecret, 'tls-pg-ca');
  assert.equal(status?.certificates?.serverTLSSecret, 'tls-pg-server');
  assert.equal(status?.certificates?.clientCASecret, 'tls-pg-ca');
  assert.deepEqual(status?.certificates?.serverAltDNSNames, ['db.example.test']);
  const notAfter = new Date(cert.validTo).toISOString();
  assert.equal(status?.certificates?.expirations['tls-pg-server'], `${notAfter.slice(0, 10)} ${notAfter.slice(11, 19)} +0000 UTC`);
});

test('a client verifying the server (verify-full) through -rw gets an encrypted TLS 1.3 session', async () => {
  const sql = 'SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()';
  const connectionString = appUri.toString();
  // The name of the -rw Service, and the loopback address the local endpoint listens on.
  assert.deepEqual(await query({ connectionString, ssl: { ca: caPem, servername: 'tls-pg-rw' } }, sql), { ssl: true, version: 'TLSv1.3' });
  assert.deepEqual(await query({ connectionString, ssl: { ca: caPem } }, sql), { ssl: true, version: 'TLSv1.3' });
  // Verification is real: a name the certificate does not carry, or another CA, is refused.
  await assert.rejects(query({ connectionString, ssl: { ca: caPem, servername: 'tls-pg-elsewhere' } }, sql), /altnames|Hostname/i);
  const otherCA = decode(await secret('tls-pg-server'), 'tls.crt');
  await assert.rejects(query({ connectionString, ssl: { ca: otherCA, servername: 'tls-pg-rw' } }, sql), /certificate/i);
  // pg_hba still says `host`: a client without TLS gets in with its password.
  assert.deepEqual(await query({ connectionString, ssl: false }, sql), { ssl: false, version: null });
});

test('psql with sslmode=verify-full and the -ca Secret as sslrootcert', () => {
  const rootCert = join(env.home, 'tls-pg-ca.crt');
  writeFileSync(rootCert, caPem, { mode: 0o600 });
  const psql = join(resolveInstallation(undefined).binDir, 'psql');
  // hostaddr reaches the local endpoint while libpq checks the certificate against `host`.
  for (const host of ['host=tls-pg-rw hostaddr=127.0.0.1', 'host=localhost', 'host=127.0.0.1']) {
    const conninfo = `${host} port=${rwPort} user=${appUri.username} dbname=app sslmode=verify-full sslrootcert=${rootCert}`;
    const r = spawnSync(psql, [conninfo, '-XAtc', 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()'], {
      env: { ...process.env, PGPASSWORD: decodeURIComponent(appUri.password), PGCONNECT_TIMEOUT: '5' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(r.status, 0, `${host}: ${r.stderr}`);
    assert.equal(r.stdout.trim(), 't', host);
  }
  const wrong = spawnSync(psql, [`host=db.example.invalid hostaddr=127.0.0.1 port=${rwPort} user=${appUri.username} dbname=app sslmode=verify-full sslrootcert=${rootCert}`, '-XAtc', 'SELECT 1'], {
    env: { ...process.env, PGPASSWORD: decodeURIComponent(appUri.password), PGCONNECT_TIMEOUT: '5' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.notEqual(wrong.status, 0);
  assert.match(wrong.stderr, /does not match host name/);
});

test('streaming replication runs over TLS (still authenticated by password)', async () => {
  const sql = 'SELECT count(*)::int AS standbys, count(*) FILTER (WHERE s.ssl)::int AS encrypted FROM pg_stat_replication r JOIN pg_stat_ssl s ON s.pid = r.pid';
  await eventually('the standby streaming', async () => {
    const row = await query<{ standbys: number; encrypted: number }>({ connectionString: superuserUri, ssl: { ca: caPem, servername: 'tls-pg-rw' } }, sql);
    return row.standbys === 1 ? row : undefined;
  }).then((row) => assert.deepEqual(row, { standbys: 1, encrypted: 1 }));
});

test('a server certificate near its expiry is renewed, and PostgreSQL serves the new one after a reload, not a restart', async () => {
  const pidsBefore = (await pods()).map((p) => p.status?.local?.pid);
  assert.ok(pidsBefore.every((pid) => pid !== undefined));
  const original = await servedCertificate(rwPort);
  const ca = await secret('tls-pg-ca');
  // A certificate issued 85 days ago by the cluster's CA, with the right names: only its age is wrong.
  const names = (original.subjectAltName ?? '').split(', ').map((n) => n.replace(/^(DNS|IP Address):/, ''));
  const aging = await issueLeaf({
    authority: { cert: decode(ca, 'ca.crt'), key: decode(ca, 'ca.key') },
    commonName: 'tls-pg-rw',
    names,
    usage: 'server',
    now: new Date(Date.now() - 85 * 86_400_000),
  });
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  await env.ok(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'tls-pg-server' },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': b64(aging.cert), 'tls.key': b64(aging.key) },
  }));
  const agingFingerprint = new X509Certificate(aging.cert).fingerprint256;

  const renewed = await eventually('the renewed certificate served', async () => {
    const stored = new X509Certificate(decode(await secret('tls-pg-server'), 'tls.crt'));
    if (stored.fingerprint256 === agingFingerprint) return undefined;
    const served = await servedCertificate(rwPort);
    return served.fingerprint256 === stored.fingerprint256 ? served : undefined;
  }, 60_000, 500);
  assert.notEqual(renewed.fingerprint256, original.fingerprint256);
  assert.ok(Date.parse(renewed.validTo) - Date.now() > 89 * 86_400_000, `renewed for 90 days (until ${renewed.validTo})`);
  assert.equal(renewed.subjectAltName, original.subjectAltName);
  const roPort = Number((await env.ok(['get', 'svc', 'tls-pg-ro', '-o', 'jsonpath={.spec.ports[0].port}'])).trim());
  await eventually('the standby serving the renewed certificate', async () => (await servedCertificate(roPort)).fingerprint256 === renewed.fingerprint256);
  assert.deepEqual((await pods()).map((p) => p.status?.local?.pid), pidsBefore, 'no postmaster was restarted');
  const notAfter = new Date(renewed.validTo).toISOString();
  await eventually('status.certificates with the new expiry', async () => {
    const status = (await env.json<{ status?: ClusterStatus }>(['get', 'cluster', 'tls-pg'])).status;
    return status?.certificates?.expirations['tls-pg-server'] === `${notAfter.slice(0, 10)} ${notAfter.slice(11, 19)} +0000 UTC`;
  });
});
