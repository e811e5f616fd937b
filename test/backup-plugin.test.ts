// The Barman Cloud plugin's form on a real S3 endpoint: Clusters configured only through
// spec.plugins and an ObjectStore archive WAL, take `method: plugin` backups and recover to a
// point in time through externalClusters[].plugin; a bucket the barmanObjectStore form wrote reads
// the same through the plugin form; a Cluster naming an ObjectStore that does not exist yet says
// so, and archives once it does.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { TestEnv, eventually } from './support/env.js';
import { archiveCurrentWal, sql, waitBackup, waitReady } from './support/backup.js';
import { startS3Server, type S3Server } from './support/s3.js';
import { setTimeout as sleep } from 'node:timers/promises';

const env = new TestEnv();
let s3: S3Server;
const PLUGIN = 'barman-cloud.cloudnative-pg.io';

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

/** The same store settings in both forms: an ObjectStore's configuration, a Cluster's barmanObjectStore. */
const storeSettings = (indent: string) =>
  [
    'destinationPath: s3://plugin/',
    `endpointURL: ${s3.endpoint}`,
    's3Credentials:',
    '  accessKeyId: { name: s3-creds, key: ACCESS_KEY_ID }',
    '  secretAccessKey: { name: s3-creds, key: SECRET_ACCESS_KEY }',
    'wal: { compression: gzip }',
    'data: { compression: gzip }',
  ]
    .map((line) => `${indent}${line}\n`)
    .join('');

const objectStore = (name: string) => `apiVersion: barmancloud.cnpg.io/v1
kind: ObjectStore
metadata:
  name: ${name}
spec:
  retentionPolicy: "30d"
  configuration:
${storeSettings('    ')}`;

/** A one-instance Cluster named `name`, with `rest` (indented two spaces) after its storage. */
const oneInstance = (name: string, rest: string) => `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: ${name}
spec:
  instances: 1
  storage: { size: 1Gi }
${rest}`;

const pluginCluster = (name: string, objectStoreName: string) =>
  oneInstance(name, `  plugins:
    - name: ${PLUGIN}
      isWALArchiver: true
      parameters:
        barmanObjectName: ${objectStoreName}
`);

const restoredCluster = (name: string, serverName: string, targetTime?: string) =>
  oneInstance(name, `  bootstrap:
    recovery:
      source: origin
${targetTime ? `      recoveryTarget:\n        targetTime: "${targetTime}"\n` : ''}  externalClusters:
    - name: origin
      plugin:
        name: ${PLUGIN}
        parameters:
          barmanObjectName: store
          serverName: ${serverName}
`);

const utcNow = "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'";

async function conditions(cluster: string): Promise<Condition[]> {
  return (await env.json<{ status?: { conditions?: Condition[] } }>(['get', 'cluster', cluster])).status?.conditions ?? [];
}

before(async () => {
  s3 = await startS3Server();
  await s3.createBucket('plugin');
  await env.ok(['create', 'secret', 'generic', 's3-creds', `--from-literal=ACCESS_KEY_ID=${s3.accessKeyId}`, `--from-literal=SECRET_ACCESS_KEY=${s3.secretAccessKey}`]);
  await env.ok(['apply', '-f', '-'], objectStore('store'));
});

after(async () => {
  await env.cleanup();
  await s3?.stop();
});

test('plugin form only: WAL archived, a method plugin Backup, the recovery window, PITR through externalClusters[].plugin', { timeout: 420_000 }, async () => {
  await env.ok(['apply', '-f', '-'], pluginCluster('pg-plugin', 'store'));
  await waitReady(env, 'pg-plugin');
  await sql(env, 'pg-plugin-1', 'CREATE TABLE marks (label text PRIMARY KEY)');
  await archiveCurrentWal(env, 'pg-plugin', 'pg-plugin-1');

  await env.ok(['backup', 'pg-plugin', '-m', 'plugin', '--plugin-name', PLUGIN, '--backup-name', 'pg-plugin-base']);
  const backup = await waitBackup(env, 'pg-plugin-base');
  assert.equal(backup.status?.phase, 'completed', backup.status?.error);
  const stored = await env.json<{ spec: { method: string; pluginConfiguration?: { name: string } }; status: { destinationPath?: string; serverName?: string } }>(['get', 'backup', 'pg-plugin-base']);
  assert.equal(stored.spec.method, 'plugin');
  assert.equal(stored.spec.pluginConfiguration?.name, PLUGIN);
  // The plugin's layout: the ObjectStore's destinationPath, a folder named after the Cluster.
  assert.equal(stored.status.destinationPath, 's3://plugin/');
  assert.equal(stored.status.serverName, 'pg-plugin');

  await sql(env, 'pg-plugin-1', "INSERT INTO marks VALUES ('kept')");
  const targetTime = await sql(env, 'pg-plugin-1', utcNow);
  await sleep(1100);
  await sql(env, 'pg-plugin-1', "INSERT INTO marks VALUES ('dropped')");
  await archiveCurrentWal(env, 'pg-plugin', 'pg-plugin-1');

  const window = await eventually('the ObjectStore records the recovery window of pg-plugin', async () => {
    const os = await env.json<{ status?: { serverRecoveryWindow?: Record<string, { firstRecoverabilityPoint?: string; lastSuccessfulBackupTime?: string }> } }>(['get', 'objectstore', 'store']);
    const w = os.status?.serverRecoveryWindow?.['pg-plugin'];
    return w?.firstRecoverabilityPoint && w.lastSuccessfulBackupTime ? w : undefined;
  }, 60_000, 500);
  assert.ok(Date.parse(window.lastSuccessfulBackupTime ?? '') > 0);
  const archiving = (await conditions('pg-plugin')).find((c) => c.type === 'ContinuousArchiving');
  assert.equal(archiving?.status, 'True', JSON.stringify(archiving));

  await env.ok(['apply', '-f', '-'], restoredCluster('pg-plugin-restored', 'pg-plugin', targetTime));
  await waitReady(env, 'pg-plugin-restored', 240);
  assert.equal(await sql(env, 'pg-plugin-restored-1', "SELECT string_agg(label, ',' ORDER BY label) FROM marks"), 'kept');
});

test('a bucket the barmanObjectStore form wrote is read through the plugin form', { timeout: 420_000 }, async () => {
  await env.ok(['apply', '-f', '-'], oneInstance('pg-tree', `  backup:
    barmanObjectStore:
${storeSettings('      ')}`));
  await waitReady(env, 'pg-tree');
  await sql(env, 'pg-tree-1', "CREATE TABLE marks (label text PRIMARY KEY); INSERT INTO marks VALUES ('in-tree')");
  await env.ok(['backup', 'pg-tree', '--backup-name', 'pg-tree-base']);
  const backup = await waitBackup(env, 'pg-tree-base');
  assert.equal(backup.status?.phase, 'completed', backup.status?.error);
  await sql(env, 'pg-tree-1', "INSERT INTO marks VALUES ('after-backup')");
  await archiveCurrentWal(env, 'pg-tree', 'pg-tree-1');

  await env.ok(['apply', '-f', '-'], restoredCluster('pg-tree-copy', 'pg-tree'));
  await waitReady(env, 'pg-tree-copy', 240);
  assert.equal(await sql(env, 'pg-tree-copy-1', "SELECT string_agg(label, ',' ORDER BY label) FROM marks"), 'after-backup,in-tree');
});

test('a missing ObjectStore is a condition on the Cluster; once it exists, WAL is archived there', { timeout: 300_000 }, async () => {
  await env.ok(['apply', '-f', '-'], pluginCluster('pg-late', 'late'));
  await waitReady(env, 'pg-late');
  const missing = await eventually('ContinuousArchiving says the ObjectStore is missing', async () => (await conditions('pg-late')).find((c) => c.type === 'ContinuousArchiving' && c.status === 'False'), 60_000, 500);
  assert.equal(missing.reason, 'ObjectStoreNotFound');
  assert.match(missing.message, /ObjectStore late \(spec\.plugins\[0\]\.parameters\.barmanObjectName\) does not exist/);
  const backupOut = await env.run(['backup', 'pg-late', '--backup-name', 'pg-late-refused']);
  assert.notEqual(backupOut.code, 0, 'a barmanObjectStore backup of a plugin-form Cluster is refused by the CLI');
  assert.match(backupOut.stderr, /use --method plugin/);

  // Meanwhile PostgreSQL keeps what it could not archive, for the store to receive later.
  const held = await sql(env, 'pg-late-1', 'SELECT pg_walfile_name(pg_current_wal_lsn())', 'postgres');
  await sql(env, 'pg-late-1', 'SELECT pg_switch_wal()', 'postgres');
  await eventually(`archiving ${held} failed and is retried`, async () => (await sql(env, 'pg-late-1', 'SELECT failed_count > 0 AND last_failed_wal >= $$' + held + '$$ FROM pg_stat_archiver', 'postgres')) === 't', 60_000, 500);

  await env.ok(['apply', '-f', '-'], objectStore('late'));
  await archiveCurrentWal(env, 'pg-late', 'pg-late-1', 120_000);
  await eventually(`${held} reached the store once it existed`, async () => (await sql(env, 'pg-late-1', 'SELECT last_archived_wal >= $$' + held + '$$ FROM pg_stat_archiver', 'postgres')) === 't', 30_000, 500);
  await eventually('ContinuousArchiving true again', async () => (await conditions('pg-late')).some((c) => c.type === 'ContinuousArchiving' && c.status === 'True'), 60_000, 500);
});
