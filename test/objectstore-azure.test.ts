// Azure Blob Storage against Azurite: every way barman-cloud authenticates, the shared store
// scenarios, blob index tags, and barman-cloud (azure-blob-storage provider) reading what we wrote
// and we reading what it wrote.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AccountSASPermissions, AccountSASResourceTypes, AccountSASServices, BlobServiceClient, StorageSharedKeyCredential, generateAccountSASQueryParameters } from '@azure/storage-blob';
import {
  archiveWal,
  openBlobStore,
  type AzureCredentials,
  type BlobStore,
  type ObjectStoreError,
} from '../src/objectstore/index.js';
import { cloudProvider, type BarmanProvider } from './objectstore-barman.js';
import { barmanRestoresOurBackup, walBothWays } from './objectstore-interop.js';
import { baseBackupRoundTrip, retentionDeletesOldBackupsAndWal, splitBackup, storeBasics, walLike, walRoundTrips } from './objectstore-scenarios.js';
import { startAzurite, type Azurite } from './support/azurite.js';

const CONTAINER = 'cnpg-backups';
let dir: string;
let azurite: Azurite;
let dest: string;
let store: BlobStore;
let provider: BarmanProvider;

const open = (azure: AzureCredentials | undefined, extra: Partial<Parameters<typeof openBlobStore>[0]> = {}): BlobStore =>
  openBlobStore({ destinationPath: dest, serverName: 'pg', ...(azure ? { azure } : {}), ...extra });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cnpg-objectstore-azure-'));
  azurite = await startAzurite();
  await azurite.createContainer(CONTAINER);
  // The emulator form barman-cloud accepts: http://HOST:PORT/ACCOUNT/CONTAINER/path.
  dest = `${azurite.serviceURL}/${CONTAINER}/backups`;
  store = open({ storageAccount: azurite.account, storageKey: azurite.key });
  // barman-cloud takes an emulator's credentials only as a connection string, from its environment.
  provider = await cloudProvider('azure-blob-storage', { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString });
});
after(async () => {
  await azurite?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('basics, error kinds and every authentication method', async () => {
  await storeBasics(store, 300);
  assert.equal(store.describe(), `${azurite.serviceURL}/${CONTAINER}/backups`);

  const sas = generateAccountSASQueryParameters(
    { expiresOn: new Date(Date.now() + 3_600_000), permissions: AccountSASPermissions.parse('rwdlac'), resourceTypes: AccountSASResourceTypes.parse('sco').toString(), services: AccountSASServices.parse('b').toString() },
    new StorageSharedKeyCredential(azurite.account, azurite.key),
  ).toString();
  for (const azure of [{ connectionString: azurite.connectionString }, { storageAccount: azurite.account, storageSasToken: sas }] as AzureCredentials[]) {
    const other = open(azure);
    assert.equal((await (other.get('pg/x/one'))).read !== undefined, true);
    assert.deepEqual((await other.list('pg/x/')).map((e) => e.key), ['pg/x/one']);
  }
  const wrongKey = open({ storageAccount: azurite.account, storageKey: Buffer.from('not the key').toString('base64') });
  await assert.rejects(wrongKey.list('pg/'), (err: ObjectStoreError) => err.kind === 'access-denied' && !err.message.includes(azurite.key));
  const noContainer = openBlobStore({ destinationPath: `${azurite.serviceURL}/no-such-container/x`, serverName: 'pg', azure: { connectionString: azurite.connectionString } });
  await assert.rejects(noContainer.list('pg/'), (err: ObjectStoreError) => err.kind === 'not-found' && /container "no-such-container"/.test(err.message));
  const dead = openBlobStore({ destinationPath: `http://127.0.0.1:9/${azurite.account}/${CONTAINER}/x`, serverName: 'pg', azure: { storageAccount: azurite.account, storageKey: azurite.key } });
  const started = Date.now();
  await assert.rejects(dead.list('pg/'), (err: ObjectStoreError) => err.kind === 'unreachable');
  assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
});

test('WAL archive and restore, every codec', () => walRoundTrips(store, dir));
test('base backup round trip over block uploads', () => baseBackupRoundTrip(store, dir, 'gzip'));
test('split backups', () => splitBackup(store, dir));
test('retention', () => retentionDeletesOldBackupsAndWal(store, dir));

test('tags become blob index tags, historyTags replace them on history files; encryption is refused', async () => {
  const tagged = open({ connectionString: azurite.connectionString }, { objects: { tags: { team: 'db', 'cost center': 'a+b' }, historyTags: { kind: 'history' } } });
  const walDir = join(dir, 'tagged-wal');
  await mkdir(walDir);
  await writeFile(join(walDir, '000000010000000000000001'), walLike(64 * 1024));
  await writeFile(join(walDir, '00000002.history'), '1\t0/3000000\tno recovery target specified\n');
  await archiveWal(tagged, 'tagged', join(walDir, '000000010000000000000001'), {});
  await archiveWal(tagged, 'tagged', join(walDir, '00000002.history'), {});
  const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(CONTAINER);
  const tagsOf = async (key: string) => (await container.getBlobClient(`backups/${key}`).getTags()).tags;
  assert.deepEqual(await tagsOf('tagged/wals/0000000100000000/000000010000000000000001'), { team: 'db', 'cost center': 'a+b' });
  assert.deepEqual(await tagsOf('tagged/wals/00000002.history'), { kind: 'history' });

  const encrypted = open({ connectionString: azurite.connectionString }, { objects: { walEncryption: 'AES256' } });
  await assert.rejects(archiveWal(encrypted, 'enc', join(walDir, '000000010000000000000001'), {}), (err: ObjectStoreError) => err.kind === 'invalid' && /S3 setting/.test(err.message));
});

test('barman-cloud-wal-restore reads WAL we archived, and we read what barman-cloud-wal-archive wrote', () => walBothWays(store, dest, provider, dir));
test('barman-cloud-backup-list and barman-cloud-restore read a backup we uploaded', () => barmanRestoresOurBackup(store, dest, provider, dir));
