// Tablespaces through a backup and a recovery on Kubernetes: a real kube-apiserver, the stand-in
// kubelet (each tablespace claim mounted where the Pod spec says, in the Pod's own mount
// namespace) and a real S3 endpoint. A Cluster with spec.tablespaces backs up a table stored in its
// tablespace through a Backup object; a recovery Cluster declaring the same tablespace reads the
// rows back, from its own tablespace claim.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { eventually } from './support/env.js';
import { createHealthyCluster, podPsql, startKubeOperatorEnv, type KubeOperatorEnv } from './support/kube-operator-env.js';
import { startS3Server, type S3Server } from './support/s3.js';

let env: KubeOperatorEnv;
let s3: S3Server;

const store = () => ({
  destinationPath: 's3://tbs/origin',
  endpointURL: s3.endpoint,
  s3Credentials: { accessKeyId: { name: 's3-creds', key: 'ACCESS_KEY_ID' }, secretAccessKey: { name: 's3-creds', key: 'SECRET_ACCESS_KEY' } },
  wal: { compression: 'gzip' },
  data: { compression: 'gzip' },
});
const tablespaces = [{ name: 'analytics', storage: { size: '1Gi' } }];

const psql = (pod: string, query: string) => podPsql(env, pod, query, 'app');

before(async () => {
  s3 = await startS3Server();
  await s3.createBucket('tbs');
  env = await startKubeOperatorEnv();
  await env.kc.makeApiClient(CoreV1Api).createNamespacedSecret({
    namespace: 'default',
    body: { metadata: { name: 's3-creds' }, stringData: { ACCESS_KEY_ID: s3.accessKeyId, SECRET_ACCESS_KEY: s3.secretAccessKey } },
  });
});

after(async () => {
  await env?.stop();
  await s3?.stop();
});

test('a table in a tablespace goes through a Backup and comes back in a recovery Cluster declaring the tablespace', { timeout: 600_000 }, async () => {
  await createHealthyCluster(env, 'origin', { instances: 1, storage: { size: '1Gi' }, tablespaces, backup: { barmanObjectStore: store() } });
  await eventually('the tablespace created', async () => (await psql('origin-1', "SELECT count(*) FROM pg_tablespace WHERE spcname = 'analytics'")) === '1', 60_000, 1000);
  await psql('origin-1', "CREATE TABLE facts (id int, note text) TABLESPACE analytics; INSERT INTO facts SELECT g, 'row ' || g FROM generate_series(1, 1000) g");
  const origin = await psql('origin-1', "SELECT pg_relation_filepath('facts')");
  const originClaim = join(env.kubeletDir, 'pvc', 'default', 'origin-1-tbs-analytics', 'data');
  assert.ok(existsSync(join(originClaim, ...origin.split('/').slice(2))), `${origin} on origin-1's tablespace claim: ${existsSync(originClaim) ? readdirSync(originClaim).join(', ') : 'no folder'}`);

  const api = env.kc.makeApiClient(CustomObjectsApi);
  await api.createNamespacedCustomObject({
    group: 'postgresql.cnpg.io',
    version: 'v1',
    namespace: 'default',
    plural: 'backups',
    body: { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Backup', metadata: { name: 'with-tablespace' }, spec: { cluster: { name: 'origin' } } },
  });
  const backup = await eventually('the Backup completed', async () => {
    const b = (await api.getNamespacedCustomObject({ group: 'postgresql.cnpg.io', version: 'v1', namespace: 'default', plural: 'backups', name: 'with-tablespace' })) as { status?: { phase?: string; error?: string } };
    if (b.status?.phase === 'failed') throw new Error(`the Backup failed: ${b.status.error}`);
    return b.status?.phase === 'completed' ? b : undefined;
  }, 240_000, 1000).catch((e: Error) => Promise.reject(new Error(`${e.message}\noperator:\n${env.operator.output(3000)}\norigin-1:\n${env.kubelet.logs.get('origin-1')?.slice(-3000) ?? ''}`)));
  assert.equal(backup.status?.phase, 'completed');
  // The rows after the backup reach the recovery through the WAL archive.
  await psql('origin-1', "INSERT INTO facts SELECT g, 'after ' || g FROM generate_series(1001, 1200) g");
  const wal = await psql('origin-1', 'SELECT pg_walfile_name(pg_current_wal_lsn())');
  await psql('origin-1', 'SELECT pg_switch_wal()');
  await eventually(`WAL ${wal} archived`, async () => (await psql('origin-1', 'SELECT coalesce(last_archived_wal, \'\') FROM pg_stat_archiver')) >= wal, 60_000, 500);

  await createHealthyCluster(env, 'restored', {
    instances: 1,
    storage: { size: '1Gi' },
    tablespaces,
    bootstrap: { recovery: { source: 'origin' } },
    externalClusters: [{ name: 'origin', barmanObjectStore: store() }],
  }).catch((e: Error) => Promise.reject(new Error(`${e.message}\nrestored-1:\n${env.kubelet.logs.get('restored-1')?.slice(-3000) ?? ''}`)));
  assert.equal(await psql('restored-1', 'SELECT count(*) FROM facts'), '1200', 'the backup’s rows and the archived WAL after it');
  const restored = await psql('restored-1', "SELECT pg_relation_filepath('facts')");
  assert.match(restored, /^pg_tblspc\/\d+\/PG_\d+_\d+\/\d+\/\d+$/);
  const claim = join(env.kubeletDir, 'pvc', 'default', 'restored-1-tbs-analytics', 'data');
  assert.ok(existsSync(join(claim, ...restored.split('/').slice(2))), `${restored} on restored-1's own tablespace claim`);
  await psql('restored-1', "INSERT INTO facts VALUES (0, 'restored only')");
  assert.equal(await psql('origin-1', 'SELECT count(*) FROM facts WHERE id = 0'), '0', 'the recovery writes into its own tablespace, not the origin’s');
});
