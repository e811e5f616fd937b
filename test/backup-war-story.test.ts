// The seed's war story on a real S3 endpoint: a table, a backup, more business, a bad UPDATE at T,
// and a new three-instance cluster recovered to just before T with the rows as they were.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { TestEnv, eventually } from './support/env.js';
import { archiveCurrentWal, sql, status, waitReady } from './support/backup.js';
import { startS3Server, type S3Server } from './support/s3.js';
import { setTimeout as sleep } from 'node:timers/promises';

const env = new TestEnv();
let s3: S3Server;

const store = (endpoint: string) => `    barmanObjectStore:
      destinationPath: s3://company-backups/postgres/
      endpointURL: ${endpoint}
      s3Credentials:
        accessKeyId:
          name: backup-creds
          key: ACCESS_KEY_ID
        secretAccessKey:
          name: backup-creds
          key: SECRET_ACCESS_KEY
      wal:
        compression: gzip
        maxParallel: 2
      data:
        compression: gzip`;

before(async () => {
  s3 = await startS3Server();
  await s3.createBucket('company-backups');
  await env.ok(['create', 'secret', 'generic', 'backup-creds', `--from-literal=ACCESS_KEY_ID=${s3.accessKeyId}`, `--from-literal=SECRET_ACCESS_KEY=${s3.secretAccessKey}`]);
});

after(async () => {
  await env.cleanup();
  await s3?.stop();
});

test('point-in-time recovery to one minute before a bad migration', { timeout: 400_000 }, async () => {
  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: prod-postgres
spec:
  instances: 2
  storage:
    size: 1Gi
  backup:
${store(s3.endpoint)}
    retentionPolicy: "30d"
`);
  await waitReady(env, 'prod-postgres');
  const pod = 'prod-postgres-1';
  await sql(env, pod, 'CREATE TABLE transactions (id serial PRIMARY KEY, amount numeric NOT NULL, category text)');
  await sql(env, pod, 'INSERT INTO transactions (amount) SELECT g FROM generate_series(1, 1000) g');
  await sql(env, pod, 'ALTER TABLE transactions OWNER TO app');

  // Last night's backup, then a day of business.
  const out = await env.ok(['backup', 'prod-postgres', '--backup-name', 'nightly', '--wait', '--timeout', '3m'], undefined, 200_000);
  assert.match(out, /backup nightly completed: \d{8}T\d{6}/);
  await sql(env, pod, 'INSERT INTO transactions (amount) SELECT g FROM generate_series(1001, 1500) g');

  // T: the moment before the migration; then the UPDATE that damages every row.
  const targetTime = await sql(env, pod, "SELECT to_char(clock_timestamp() AT TIME ZONE 'utc', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'");
  await sleep(1100);
  await sql(env, pod, "UPDATE transactions SET category = 'migrated-wrongly'");
  await sql(env, pod, 'INSERT INTO transactions (amount) VALUES (-1)');
  await archiveCurrentWal(env, 'prod-postgres', pod);

  const report = await status(env, 'prod-postgres');
  assert.ok(report.firstRecoverabilityPoint, 'status shows the first point of recoverability');
  const human = await env.ok(['status', 'prod-postgres']);
  assert.match(human, /Working WAL archiving:\s+OK/);

  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: prod-postgres-recovered
spec:
  instances: 3
  storage:
    size: 1Gi
  bootstrap:
    recovery:
      source: prod-postgres
      recoveryTarget:
        targetTime: "${targetTime}"
  externalClusters:
    - name: prod-postgres
${store(s3.endpoint).replace(/^ {4}/gm, '      ')}
`);
  await waitReady(env, 'prod-postgres-recovered', 300);
  const recovered = 'prod-postgres-recovered-1';
  assert.equal(await sql(env, recovered, 'SELECT count(*) FROM transactions WHERE category IS NOT NULL'), '0', 'the migration had not run yet');
  assert.equal(await sql(env, recovered, 'SELECT count(*) FROM transactions'), '1500', 'every row from before T is there');
  assert.equal(await sql(env, recovered, 'SELECT count(*) FROM transactions WHERE amount < 0'), '0', 'nothing from after T');

  const after = await status(env, 'prod-postgres-recovered');
  assert.equal(after.instancesStatus.length, 3);
  const primary = after.instancesStatus.find((i) => i.isPrimary);
  assert.ok(primary && (primary.timeLineID ?? 0) >= 2, 'the recovered cluster runs on a new timeline');
  // The application owner signs in with the recovered cluster's own generated secret.
  const uri = Buffer.from((await env.ok(['get', 'secret', 'prod-postgres-recovered-app', '-o', 'jsonpath={.data.uri}'])).trim(), 'base64').toString();
  assert.match(uri, /^postgresql:\/\/app:/);
  await eventually('replicas of the recovered cluster streaming', async () => (await status(env, 'prod-postgres-recovered')).instancesStatus.every((i) => i.isPrimary || i.timeLineID === primary!.timeLineID), 60_000);
});
