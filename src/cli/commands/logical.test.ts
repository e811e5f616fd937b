import test from 'node:test';
import assert from 'node:assert/strict';
import type { Cluster } from '../../api/index.js';
import { fixture } from '../../api/testing.js';
import { publicationCreate, subscriptionCreate, subscriptionDrop, type LogicalPlatform } from './logical.js';

const PASSWORD = 'pa:ss\\word';
const dest = fixture('Cluster', {
  instances: 1,
  storage: { size: '1Gi' },
  bootstrap: { initdb: { database: 'shop' } },
  externalClusters: [
    { name: 'source', connectionParameters: { host: 'source-rw', user: 'postgres', dbname: 'app' }, password: { name: 'source-superuser', key: 'password' }, sslRootCert: { name: 'source-ca', key: 'ca.crt' } },
    { name: 'no-conn', barmanObjectStore: { destinationPath: 's3://b/p' } },
  ],
}) as Cluster;

function platform(secrets: Record<string, Record<string, string>> = { 'source-superuser': { password: PASSWORD }, 'source-ca': { 'ca.crt': 'PEM' } }) {
  const runs: Array<{ argv: string[]; stdin?: string }> = [];
  const p: LogicalPlatform = {
    cluster: async () => ({ ...dest, status: { currentPrimary: 'dest-1' } }) as Cluster,
    secret: async (name) => secrets[name],
    primary: async () => ({ root: '/data', run: async (argv, stdin) => (runs.push({ argv, stdin }), { code: 0, stdout: '', stderr: '' }) }),
  };
  return { p, runs };
}

test('subscription create: the Secrets reach the primary only on standard input; the SQL names the files', async () => {
  const { p, runs } = platform();
  const out = await subscriptionCreate(p, 'dest', { externalCluster: 'source', publication: 'pub', subscription: 'sub', publicationDbname: 'sales db' });
  const files = runs.filter((r) => r.argv[0] === 'sh').map((r) => [r.argv.at(-1), r.stdin]);
  assert.deepEqual(files.sort(), [['pgpass', '*:*:*:*:pa\\:ss\\\\word\n'], ['sslrootcert', 'PEM']]);
  for (const r of runs) assert.ok(!r.argv.join(' ').includes('pa:ss'), `no password in ${r.argv.join(' ')}`);
  assert.ok(!out.includes('pa:ss'));
  const psql = runs.find((r) => r.argv[0] === 'psql')!;
  assert.deepEqual(psql.argv.slice(0, 7), ['psql', '-X', '-v', 'ON_ERROR_STOP=1', '-qAt', '-d', 'dbname=shop']);
  assert.equal(
    psql.argv.at(-1),
    `CREATE SUBSCRIPTION "sub" CONNECTION 'host=source-rw user=postgres dbname=''sales db'' sslrootcert=/data/external/source/sslrootcert passfile=/data/external/source/pgpass' PUBLICATION "pub"`,
  );
});

test('nothing runs when the entry, its connection or a Secret is missing, or with --dry-run', async () => {
  const { p, runs } = platform({});
  await assert.rejects(subscriptionCreate(p, 'dest', { externalCluster: 'source', publication: 'pub', subscription: 'sub' }), /spec\.externalClusters\[0\]\.password: secret source-superuser has no key "password"/);
  await assert.rejects(subscriptionCreate(p, 'dest', { externalCluster: 'nowhere', publication: 'pub', subscription: 'sub' }), /no spec.externalClusters entry named "nowhere"/);
  await assert.rejects(subscriptionCreate(p, 'dest', { externalCluster: 'no-conn', publication: 'pub', subscription: 'sub' }), /spec\.externalClusters\[1\] \(no-conn\) of cluster pg has no connectionParameters/);
  await assert.rejects(subscriptionCreate(p, 'dest', { publication: 'pub', subscription: 'sub' }), /--external-cluster is required/);
  assert.equal(await publicationCreate(p, 'dest', { publication: 'pub', allTables: true, dryRun: true }), 'CREATE PUBLICATION "pub" FOR ALL TABLES\n');
  assert.equal(await subscriptionDrop(p, 'dest', { subscription: 'sub', dryRun: true }), 'DROP SUBSCRIPTION "sub"\n');
  assert.deepEqual(runs, []);
});

test('a database name is passed to psql as a conninfo, so one holding "=" stays a name', async () => {
  // libpq expands only the first dbname as a connection string; the one inside it is a plain name.
  const { p, runs } = platform();
  await subscriptionDrop(p, 'dest', { subscription: 'sub', dbname: 'host=elsewhere' });
  await subscriptionDrop(p, 'dest', { subscription: 'sub', dbname: "it's mine" });
  assert.deepEqual(runs.map((r) => r.argv[6]), ['dbname=host=elsewhere', "dbname='it\\'s mine'"]);
});
