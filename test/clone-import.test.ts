// Bootstraps from PostgreSQL outside the cluster (spec.externalClusters): a physical copy with
// bootstrap.pg_basebackup of a running cluster (password) and of a plain PostgreSQL this test
// starts (TLS client certificate, verify-full), and logical imports with bootstrap.initdb.import,
// microservice and monolith, with the data checked on the new cluster.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, chownSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { issueAuthority, issueLeaf } from '../src/pki/x509.js';
import { resolveInstallation } from '../src/postgres/binaries.js';
import { TestEnv, eventually } from './support/env.js';
import { sql, waitReady } from './support/backup.js';
import { freePort } from './support/s3.js';

interface Secret {
  data?: Record<string, string>;
}

const env = new TestEnv();
const bin = resolveInstallation(undefined).binDir;
const root = userInfo().uid === 0;
const work = mkdtempSync(join(tmpdir(), 'cnpg-clone-'));
const plainData = join(work, 'pgdata');
let plainPort = 0;
let plainStarted = false;
let originPort = 0;

function run(cmd: string, args: string[]): Promise<string> {
  const [file, argv] = root ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${out}`))));
  });
}

const postgresId = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());

/** PostgreSQL reads its key only from a file of its own user. */
function writeOwned(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  if (root) chownSync(path, postgresId('-u'), postgresId('-g'));
}

const instanceDir = (cluster: string, instance: string) => join(env.home, 'instances', 'default', cluster, instance);

const secretValue = async (name: string, key: string) => Buffer.from((await env.json<Secret>(['get', 'secret', name])).data?.[key] ?? '', 'base64').toString();

/** A Secret from PEM text: stringData keeps the newlines, and JSON is YAML. */
const applySecret = (name: string, stringData: Record<string, string>) =>
  env.ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData }));

/** A PostgreSQL no operator manages, that takes replication only over TLS with a client certificate. */
async function startPlainPostgres(): Promise<{ ca: string; client: { cert: string; key: string } }> {
  const now = new Date();
  const ca = await issueAuthority('plain-ca', now);
  const server = await issueLeaf({ authority: ca, commonName: '127.0.0.1', names: ['127.0.0.1', 'localhost'], usage: 'server', now });
  const client = await issueLeaf({ authority: ca, commonName: 'cloner', names: [], usage: 'client', now });
  await run(join(bin, 'initdb'), ['-D', plainData, '-U', 'postgres', '--auth-local=trust', '--auth-host=reject']);
  for (const [file, text] of [['server.crt', server.cert], ['server.key', server.key], ['ca.crt', ca.cert]] as const) writeOwned(join(plainData, file), text);
  writeOwned(join(plainData, 'pg_hba.conf'), ['local all all trust', 'hostssl replication cloner 127.0.0.1/32 cert', 'hostssl all cloner 127.0.0.1/32 cert', ''].join('\n'));
  const settings = { ssl: 'on', ssl_cert_file: 'server.crt', ssl_key_file: 'server.key', ssl_ca_file: 'ca.crt', listen_addresses: '127.0.0.1', port: String(plainPort), unix_socket_directories: work };
  appendFileSync(join(plainData, 'postgresql.conf'), Object.entries(settings).map(([k, v]) => `${k} = '${v}'\n`).join(''));
  await run(join(bin, 'pg_ctl'), ['-D', plainData, '-l', join(work, 'plain.log'), '-w', '-t', '60', 'start']);
  plainStarted = true;
  const psql = (query: string) => run(join(bin, 'psql'), ['-X', '-h', work, '-p', String(plainPort), '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-Atc', query]);
  await psql('CREATE ROLE cloner LOGIN REPLICATION');
  await psql("CREATE TABLE plain_rows AS SELECT g AS id, 'plain ' || g AS label FROM generate_series(1, 500) g");
  return { ca: ca.cert, client };
}

before(async () => {
  plainPort = await freePort();
  if (root) chownSync(work, postgresId('-u'), postgresId('-g'));
  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: origin
spec:
  instances: 1
  enableSuperuserAccess: true
  storage:
    size: 1Gi
  bootstrap:
    initdb:
      postInitApplicationSQL:
        - CREATE TABLE orders (id int PRIMARY KEY, item text)
        - INSERT INTO orders SELECT g, 'item ' || g FROM generate_series(1, 1000) g
      postInitSQL:
        - CREATE ROLE shop_owner LOGIN PASSWORD 'shop-secret'
        - CREATE ROLE shop_readers NOLOGIN
        - GRANT shop_readers TO shop_owner
        - CREATE DATABASE shop OWNER shop_owner
`);
  await waitReady(env, 'origin');
  await sql(env, 'origin-1', 'CREATE TABLE products (sku text PRIMARY KEY, price numeric); ALTER TABLE products OWNER TO shop_owner', 'shop');
  await sql(env, 'origin-1', "INSERT INTO products SELECT 'sku-' || g, g FROM generate_series(1, 250) g", 'shop');
  originPort = Number(new URL(await secretValue('origin-app', 'uri')).port);
});

after(async () => {
  await env.cleanup();
  if (plainStarted) await run(join(bin, 'pg_ctl'), ['-D', plainData, '-m', 'immediate', 'stop']).catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

test('pg_basebackup from a running cluster (password): the copy is a primary of its own, and its standby joins it', { timeout: 240_000 }, async () => {
  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: copy
spec:
  instances: 2
  storage:
    size: 1Gi
  bootstrap:
    pg_basebackup:
      source: origin
  externalClusters:
    - name: origin
      connectionParameters:
        host: 127.0.0.1
        port: "${originPort}"
        user: streaming_replica
        sslmode: require
      password:
        name: origin-replication
        key: password
`);
  await waitReady(env, 'copy', 200);
  assert.equal(await sql(env, 'copy-1', 'SELECT count(*) FROM orders'), '1000');
  assert.equal(await sql(env, 'copy-2', 'SELECT count(*) FROM orders'), '1000', 'the standby cloned the copy');
  assert.equal(await sql(env, 'copy-1', 'SELECT count(*) FROM products', 'shop'), '250');
  // Writable, and its own: what it writes stays out of the origin.
  await sql(env, 'copy-1', "INSERT INTO orders VALUES (1001, 'copy only')");
  assert.equal(await sql(env, 'origin-1', 'SELECT count(*) FROM orders'), '1000');
  // The app user logs in with this cluster's password, not the origin's.
  const uri = await secretValue('copy-app', 'uri');
  assert.notEqual(uri, await secretValue('origin-app', 'uri'));
  assert.equal((await env.ok(['exec', 'copy-1', '--', 'psql', '-X', '-Atc', 'SELECT current_user', uri])).trim(), 'app');
  // The source's password is in the 0600 credentials and passfile, never in instance.json.
  const password = await secretValue('origin-replication', 'password');
  const dir = instanceDir('copy', 'copy-1');
  assert.doesNotMatch(readFileSync(join(dir, 'instance.json'), 'utf8'), new RegExp(password));
  assert.match(readFileSync(join(dir, 'credentials.json'), 'utf8'), new RegExp(password));
  assert.equal(statSync(join(dir, 'external', 'origin', 'pgpass')).mode & 0o777, 0o600);
});

test('a wrong password: the reason is in the status, and the copy proceeds once the Secret is fixed', { timeout: 240_000 }, async () => {
  await applySecret('origin-wrong', { password: 'not-the-password' });
  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: retry
spec:
  instances: 1
  storage:
    size: 1Gi
  bootstrap:
    pg_basebackup:
      source: origin
  externalClusters:
    - name: origin
      connectionParameters:
        host: 127.0.0.1
        port: "${originPort}"
        user: streaming_replica
      password:
        name: origin-wrong
        key: password
`);
  const reason = await eventually('the failed copy in the status', async () => {
    const c = await env.json<{ status?: { phaseReason?: string } }>(['get', 'cluster', 'retry']);
    return c.status?.phaseReason?.includes('password authentication failed') ? c.status.phaseReason : undefined;
  });
  assert.match(reason, /pg_basebackup/);
  await applySecret('origin-wrong', { password: await secretValue('origin-replication', 'password') });
  await waitReady(env, 'retry', 120);
  assert.equal(await sql(env, 'retry-1', 'SELECT count(*) FROM orders'), '1000');
});

test('pg_basebackup from a plain PostgreSQL with a TLS client certificate, verifying the server (verify-full)', { timeout: 240_000 }, async () => {
  const { ca, client } = await startPlainPostgres();
  await applySecret('plain-client', { 'tls.crt': client.cert, 'tls.key': client.key });
  await applySecret('plain-ca', { 'ca.crt': ca });
  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: from-plain
spec:
  instances: 1
  storage:
    size: 1Gi
  bootstrap:
    pg_basebackup:
      source: plain
  externalClusters:
    - name: plain
      connectionParameters:
        host: 127.0.0.1
        port: "${plainPort}"
        user: cloner
        sslmode: verify-full
      sslCert:
        name: plain-client
        key: tls.crt
      sslKey:
        name: plain-client
        key: tls.key
      sslRootCert:
        name: plain-ca
        key: ca.crt
`);
  await waitReady(env, 'from-plain', 200);
  assert.equal(await sql(env, 'from-plain-1', 'SELECT count(*) FROM plain_rows', 'postgres'), '500');
  assert.equal(await sql(env, 'from-plain-1', "SELECT count(*) FROM pg_database WHERE datname = 'app'", 'postgres'), '1', 'the application database is created');
});

test('initdb.import microservice: one database into the application database, owned by its owner, then postImportApplicationSQL', { timeout: 240_000 }, async () => {
  await applySecret('shop-owner', { password: 'shop-secret' });
  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: micro
spec:
  instances: 1
  storage:
    size: 1Gi
  bootstrap:
    initdb:
      database: store
      owner: store
      import:
        type: microservice
        databases: [shop]
        source:
          externalCluster: origin
        pgDumpExtraOptions: ["--no-comments"]
        postImportApplicationSQL:
          - INSERT INTO products VALUES ('imported', 0)
  externalClusters:
    - name: origin
      connectionParameters:
        host: 127.0.0.1
        port: "${originPort}"
        user: shop_owner
        dbname: shop
        sslmode: require
      password:
        name: shop-owner
        key: password
`);
  await waitReady(env, 'micro', 200);
  assert.equal(await sql(env, 'micro-1', 'SELECT count(*) FROM products', 'store'), '251');
  assert.equal(await sql(env, 'micro-1', "SELECT tableowner FROM pg_tables WHERE tablename = 'products'", 'store'), 'store');
  assert.equal(await sql(env, 'micro-1', "SELECT rolsuper FROM pg_roles WHERE rolname = 'store'", 'store'), 'f', 'the owner is a superuser only while restoring');
});

test('initdb.import monolith: the listed databases under their names, the roles with their memberships and passwords', { timeout: 240_000 }, async () => {
  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: mono
spec:
  instances: 1
  storage:
    size: 1Gi
  bootstrap:
    initdb:
      import:
        type: monolith
        databases: ["*"]
        roles: ["*"]
        source:
          externalCluster: origin
  externalClusters:
    - name: origin
      connectionParameters:
        host: 127.0.0.1
        port: "${originPort}"
        user: postgres
        dbname: postgres
        sslmode: require
      password:
        name: origin-superuser
        key: password
`);
  await waitReady(env, 'mono', 200);
  assert.equal(await sql(env, 'mono-1', 'SELECT count(*) FROM products', 'shop'), '250');
  assert.equal(await sql(env, 'mono-1', "SELECT tableowner FROM pg_tables WHERE tablename = 'products'", 'shop'), 'shop_owner');
  assert.equal(await sql(env, 'mono-1', 'SELECT count(*) FROM orders'), '1000', "the source's app database, into this one's");
  assert.equal(await sql(env, 'mono-1', "SELECT pg_has_role('shop_owner', 'shop_readers', 'MEMBER')", 'postgres'), 't');
  assert.equal(await sql(env, 'mono-1', "SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname = 'shop_owner'", 'postgres'), 't', 'the password hash came along');
});

// Both PyPI builds: Debian 12's PostgreSQL 15.20 gives every column an attribute option (pg_attver)
// that PyPI's 16 builds do not know, so its dumps do not restore there (docs/major-upgrades.md).
test('initdb.import from an older major: a PostgreSQL 17 cluster imports from a 16 one (PyPI builds)', { timeout: 400_000 }, async () => {
  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: older
spec:
  instances: 1
  imageName: ghcr.io/cloudnative-pg/postgresql:16.13
  enableSuperuserAccess: true
  storage:
    size: 1Gi
  bootstrap:
    initdb:
      postInitApplicationSQL:
        - CREATE TABLE orders (id int PRIMARY KEY, item text)
        - INSERT INTO orders SELECT g, 'item ' || g FROM generate_series(1, 1000) g
`, 360_000);
  await waitReady(env, 'older', 300);
  const olderPort = Number(new URL(await secretValue('older-app', 'uri')).port);
  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: newer
spec:
  instances: 1
  imageName: ghcr.io/cloudnative-pg/postgresql:17.9
  storage:
    size: 1Gi
  bootstrap:
    initdb:
      import:
        type: microservice
        databases: [app]
        source:
          externalCluster: older
  externalClusters:
    - name: older
      connectionParameters:
        host: 127.0.0.1
        port: "${olderPort}"
        user: postgres
        dbname: app
        sslmode: require
      password:
        name: older-superuser
        key: password
`, 360_000);
  await waitReady(env, 'newer', 300);
  assert.match(await sql(env, 'newer-1', 'SHOW server_version'), /^17\./);
  assert.match(await sql(env, 'older-1', 'SHOW server_version'), /^16\./);
  assert.equal(await sql(env, 'newer-1', 'SELECT count(*) FROM orders'), '1000');
});
