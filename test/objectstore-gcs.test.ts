// Google Cloud Storage against fake-gcs-server: a service account key's token flow (against a
// token endpoint of this test that checks the JWT's signature), the shared store scenarios, tags
// as object metadata, and barman-cloud (google-cloud-storage provider) reading what we wrote.
import assert from 'node:assert/strict';
import { createVerify, generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { archiveWal, openBlobStore, type BlobStore, type ObjectStoreError } from '../src/objectstore/index.js';
import { cloudProvider, type BarmanProvider } from './objectstore-barman.js';
import { barmanRestoresOurBackup, walBothWays } from './objectstore-interop.js';
import { baseBackupRoundTrip, retentionDeletesOldBackupsAndWal, splitBackup, storeBasics, walLike, walRoundTrips } from './objectstore-scenarios.js';
import { startGcsEmulator, type GcsEmulator } from './support/gcs.js';

const BUCKET = 'cnpg-backups';
const DEST = `gs://${BUCKET}/backups`;
let dir: string;
let gcs: GcsEmulator;
let store: BlobStore;
let provider: BarmanProvider;
let tokenServer: Server;
const assertions: string[] = [];

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cnpg-objectstore-gcs-'));
  gcs = await startGcsEmulator();
  await gcs.createBucket(BUCKET);
  // Google's token endpoint, as far as a service account's JWT grant goes.
  tokenServer = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const assertion = new URLSearchParams(body).get('assertion') ?? '';
      const [header = '', claims = '', signature = ''] = assertion.split('.');
      const valid = createVerify('RSA-SHA256').update(`${header}.${claims}`).verify(keys.publicKey, Buffer.from(signature, 'base64url'));
      assertions.push(valid ? (JSON.parse(Buffer.from(claims, 'base64url').toString()) as { iss: string }).iss : 'invalid');
      res.writeHead(valid ? 200 : 401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(valid ? { access_token: 'token-1', expires_in: 3600, token_type: 'Bearer' } : { error: 'invalid_grant' }));
    });
  });
  await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
  const address = tokenServer.address();
  const tokenURI = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/token`;
  const applicationCredentials = JSON.stringify({
    type: 'service_account',
    client_email: 'backups@project.iam.gserviceaccount.com',
    private_key: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    token_uri: tokenURI,
  });
  store = openBlobStore({ destinationPath: DEST, serverName: 'pg', endpointURL: gcs.endpoint, google: { applicationCredentials } });
  provider = await cloudProvider('google-cloud-storage', { STORAGE_EMULATOR_HOST: gcs.endpoint });
});
after(async () => {
  await new Promise((resolve) => tokenServer?.close(resolve));
  await gcs?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('basics and error kinds, with a service account token', async () => {
  await store.put('pg/x/one', Buffer.from('1'));
  assert.deepEqual(assertions, ['backups@project.iam.gserviceaccount.com']);
  // Past one listing page (1000 objects).
  await storeBasics(store, 1100);
  assert.equal(store.describe(), `gs://${BUCKET}/backups (endpoint ${gcs.endpoint})`);
  // One token serves every request until it nears its expiry.
  assert.equal(assertions.length, 1);
  const dead = openBlobStore({ destinationPath: DEST, serverName: 'pg', endpointURL: 'http://127.0.0.1:9' });
  await assert.rejects(dead.list('pg/'), (err: ObjectStoreError) => err.kind === 'unreachable');
});

test('WAL archive and restore, every codec', () => walRoundTrips(store, dir));
test('base backup round trip over resumable uploads', () => baseBackupRoundTrip(store, dir, 'gzip'));
test('split backups', () => splitBackup(store, dir));
test('retention', () => retentionDeletesOldBackupsAndWal(store, dir));

test('a streamed upload of several chunks arrives whole', async () => {
  const data = walLike(20 * 1024 * 1024);
  const { Readable } = await import('node:stream');
  await store.put('pg/big/blob', Readable.from([data.subarray(0, 3_000_000), data.subarray(3_000_000)]));
  const chunks: Buffer[] = [];
  for await (const c of await store.get('pg/big/blob')) chunks.push(c as Buffer);
  assert.ok(Buffer.concat(chunks).equals(data));
});

test('tags become object metadata, historyTags replace them on history files; encryption is refused', async () => {
  const tagged = openBlobStore({ destinationPath: DEST, serverName: 'tagged', endpointURL: gcs.endpoint, objects: { tags: { team: 'db' }, historyTags: { kind: 'history' } } });
  const walDir = join(dir, 'tagged-wal');
  await mkdir(walDir);
  await writeFile(join(walDir, '000000010000000000000001'), walLike(64 * 1024));
  await writeFile(join(walDir, '00000002.history'), '1\t0/3000000\tno recovery target specified\n');
  await archiveWal(tagged, 'tagged', join(walDir, '000000010000000000000001'), {});
  await archiveWal(tagged, 'tagged', join(walDir, '00000002.history'), {});
  const metadata = async (key: string) => ((await (await fetch(`${gcs.endpoint}/storage/v1/b/${BUCKET}/o/${encodeURIComponent(`backups/${key}`)}`)).json()) as { metadata?: unknown }).metadata;
  assert.deepEqual(await metadata('tagged/wals/0000000100000000/000000010000000000000001'), { team: 'db' });
  assert.deepEqual(await metadata('tagged/wals/00000002.history'), { kind: 'history' });
  const encrypted = openBlobStore({ destinationPath: DEST, serverName: 'enc', endpointURL: gcs.endpoint, objects: { walEncryption: 'AES256' } });
  await assert.rejects(archiveWal(encrypted, 'enc', join(walDir, '000000010000000000000001'), {}), (err: ObjectStoreError) => err.kind === 'invalid');
});

test('barman-cloud-wal-restore reads WAL we archived, and we read what barman-cloud-wal-archive wrote', () => walBothWays(store, DEST, provider, dir));
test('barman-cloud-backup-list and barman-cloud-restore read a backup we uploaded', () => barmanRestoresOurBackup(store, DEST, provider, dir));
