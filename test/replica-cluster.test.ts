// Replica clusters and the distributed topology, with real PostgreSQL: a cluster following another
// by streaming (its designated primary cascading to a standby of its own) and one following an
// object store; each old site demoted, its token copied, the new site promoted with it; rows
// counted on both sides. A token of another database is refused and the cluster stays a replica.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestEnv, eventually } from './support/env.js';
import { archiveCurrentWal, sql, waitBackup, waitReady } from './support/backup.js';
import { encodePromotionToken, decodePromotionToken } from '../src/api/promotion-token.js';

interface ClusterJson {
  status?: { phase?: string; phaseReason?: string; demotionToken?: string; lastPromotionToken?: string; currentPrimary?: string; localEndpoints?: { rw: { host: string; port: number } } };
}

const env = new TestEnv();
const storeDir = mkdtempSync(join(tmpdir(), 'cnpg-replica-store-'));
// The instances run as postgres when the tests run as root.
chmodSync(storeDir, 0o777);

after(async () => {
  await env.cleanup();
  rmSync(storeDir, { recursive: true, force: true });
});

const cluster = (name: string) => env.json<ClusterJson>(['get', 'cluster', name]);
const count = (pod: string) => sql(env, pod, 'SELECT count(*) FROM rows');
const rwPort = async (name: string) => (await cluster(name)).status?.localEndpoints?.rw.port ?? assert.fail(`${name} has no -rw endpoint`);

/** An externalClusters entry streaming from a local cluster's -rw endpoint, as its replication user. */
const streamingEntry = (name: string, port: number) => `
    - name: ${name}
      connectionParameters:
        host: 127.0.0.1
        port: "${port}"
        user: streaming_replica
        dbname: postgres
      password:
        name: ${name}-replication
        key: password`;

const siteA = (replica: string, entries: string) => `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: site-a
spec:
  instances: 1
  storage:
    size: 1Gi
${replica}
  externalClusters:${entries}
`;

const siteB = (replica: string, aPort: number) => `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: site-b
spec:
  instances: 2
  storage:
    size: 1Gi
  bootstrap:
    pg_basebackup:
      source: site-a
  replica:
${replica}
  externalClusters:${streamingEntry('site-a', aPort)}
`;

async function demotionToken(name: string): Promise<string> {
  return eventually(`${name} demoted with a token`, async () => (await cluster(name)).status?.demotionToken, 120_000, 300);
}

async function waitPromoted(name: string, pod: string): Promise<void> {
  await eventually(`${name} promoted: ${pod} takes writes`, async () => {
    const s = (await cluster(name)).status;
    if (s?.phase !== 'Cluster in healthy state' || (await sql(env, pod, 'SELECT pg_is_in_recovery()')) !== 'f') throw new Error(`${s?.phase}: ${s?.phaseReason}`);
    return true;
  }, 120_000, 500);
}

test('streaming: a replica cluster follows, cascades, is promoted with the token after the old site demoted; no row lost', { timeout: 600_000 }, async () => {
  await env.ok(['apply', '-f', '-'], siteA('', `
    - name: site-a
      connectionParameters:
        host: 127.0.0.1`));
  await waitReady(env, 'site-a');
  await sql(env, 'site-a-1', 'CREATE TABLE rows (n int PRIMARY KEY); INSERT INTO rows SELECT generate_series(1, 100)');
  const aPort = await rwPort('site-a');

  await env.ok(['apply', '-f', '-'], siteB('    self: site-b\n    primary: site-a\n    source: site-a', aPort));
  await waitReady(env, 'site-b', 300);
  await sql(env, 'site-a-1', 'INSERT INTO rows SELECT generate_series(101, 150)');
  // The standby of site-b streams from its designated primary, which streams from site-a.
  await eventually('site-b-2 (cascaded) has 150 rows', async () => (await count('site-b-2')) === '150', 60_000, 300);
  assert.equal(await count('site-b-1'), '150');
  const write = await env.run(['exec', 'site-b-1', '--', 'psql', '-X', '-d', 'app', '-Atc', 'INSERT INTO rows VALUES (1000)']);
  assert.notEqual(write.code, 0, 'a replica cluster accepts no writes');
  assert.match(write.stderr + write.stdout, /read-only transaction/);
  const shown = await env.ok(['status', 'site-b']);
  assert.match(shown, /^Replica Cluster Summary/m);
  assert.match(shown, /Designated primary:\s+site-b-1/);
  assert.match(shown, /Source cluster:\s+site-a/);
  assert.match(shown, /site-b-1 .* Designated primary /);
  assert.match(shown, /Replication from source:\s+received [0-9A-F]+\/[0-9A-F]+, replayed [0-9A-F]+\/[0-9A-F]+, lag \d+ bytes/);

  // A token on a cluster that stays a replica is refused at admission, naming the field.
  const early = await env.run(['apply', '-f', '-'], siteB(`    self: site-b\n    primary: site-a\n    source: site-a\n    promotionToken: ${encodePromotionToken({ latestCheckpointTimelineID: '1', redoWalFile: '000000010000000000000003', databaseSystemIdentifier: '1', latestCheckpointREDOLocation: '0/3000028', timeOfLatestCheckpoint: 'x', operatorVersion: 'x' })}`, aPort));
  assert.notEqual(early.code, 0);
  assert.match(early.stderr, /spec\.replica\.promotionToken/);

  // Demote site-a: it becomes a replica of site-b, and publishes its token.
  const bPort = await rwPort('site-b');
  await sql(env, 'site-a-1', 'INSERT INTO rows SELECT generate_series(151, 160)');
  await env.ok(['apply', '-f', '-'], siteA('  replica:\n    self: site-a\n    primary: site-b\n    source: site-b', streamingEntry('site-a', aPort) + streamingEntry('site-b', bPort)));
  const token = await demotionToken('site-a');
  const decoded = decodePromotionToken(token);
  assert.ok(!('error' in decoded), 'the demotion token decodes');
  assert.ok((await env.ok(['status', 'site-a'])).includes(`Demotion token\n${token}\n`), 'cnpg status shows the demotion token');
  await eventually('site-a-1 is in recovery', async () => (await sql(env, 'site-a-1', 'SELECT pg_is_in_recovery()')) === 't', 60_000, 300);

  // A token of another database is refused, and site-b stays a replica.
  const wrong = encodePromotionToken({ ...decoded, databaseSystemIdentifier: '1234567890' });
  await env.ok(['apply', '-f', '-'], siteB(`    self: site-b\n    primary: site-b\n    source: site-a\n    promotionToken: ${wrong}`, aPort));
  const refused = await eventually('site-b refuses the wrong token', async () => {
    const s = (await cluster('site-b')).status;
    return s?.phase === 'Promoting to primary cluster' && s.phaseReason?.includes('refused') ? s.phaseReason : undefined;
  }, 60_000, 300);
  assert.match(refused, /another database \(system identifier 1234567890; this cluster's is \d+\)/);
  assert.equal(await sql(env, 'site-b-1', 'SELECT pg_is_in_recovery()'), 't', 'refused: site-b-1 still a replica');

  // The right token: site-b promotes once it replayed up to it, with every row of site-a.
  await env.ok(['apply', '-f', '-'], siteB(`    self: site-b\n    primary: site-b\n    source: site-a\n    promotionToken: ${token}`, aPort));
  await waitPromoted('site-b', 'site-b-1');
  assert.equal((await cluster('site-b')).status?.lastPromotionToken, token);
  assert.equal(await count('site-b-1'), '160');
  await sql(env, 'site-b-1', 'INSERT INTO rows SELECT generate_series(161, 170)');
  await eventually('site-a (now the replica) follows site-b to 170 rows', async () => (await count('site-a-1')) === '170', 90_000, 500);
  await eventually('site-b-2 has 170 rows', async () => (await count('site-b-2')) === '170', 60_000, 300);
});

test('object store: a replica cluster follows the source archive; promoted with the token, nothing written before the demotion is lost', { timeout: 600_000 }, async () => {
  const store = (server: string) => `
      barmanObjectStore:
        destinationPath: file://${storeDir}
        serverName: ${server}`;
  const siteC = (replica: string) => `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: site-c
spec:
  instances: 1
  storage:
    size: 1Gi
  backup:${store('site-c')}
${replica}
  externalClusters:
    - name: site-c${store('site-c')}
    - name: site-d${store('site-d')}
`;
  const siteD = (replica: string) => `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: site-d
spec:
  instances: 1
  storage:
    size: 1Gi
  backup:${store('site-d')}
  bootstrap:
    recovery:
      source: site-c
  replica:
${replica}
  externalClusters:
    - name: site-c${store('site-c')}
    - name: site-d${store('site-d')}
`;
  await env.ok(['apply', '-f', '-'], siteC('  replica:\n    self: site-c\n    primary: site-c\n    source: site-d'));
  await waitReady(env, 'site-c');
  await sql(env, 'site-c-1', 'CREATE TABLE rows (n int PRIMARY KEY); INSERT INTO rows SELECT generate_series(1, 100)');
  await env.ok(['apply', '-f', '-'], 'apiVersion: postgresql.cnpg.io/v1\nkind: Backup\nmetadata:\n  name: site-c-base\nspec:\n  cluster:\n    name: site-c\n');
  assert.equal((await waitBackup(env, 'site-c-base')).status?.phase, 'completed');

  await env.ok(['apply', '-f', '-'], siteD('    self: site-d\n    primary: site-c\n    source: site-c'));
  await waitReady(env, 'site-d', 300);
  await sql(env, 'site-c-1', 'INSERT INTO rows SELECT generate_series(101, 150)');
  await archiveCurrentWal(env, 'site-c', 'site-c-1');
  await eventually('site-d has the 150 archived rows', async () => (await count('site-d-1')) === '150', 90_000, 500);

  // Rows in a segment that is not full when the demotion comes: the token's segment carries them.
  await sql(env, 'site-c-1', 'INSERT INTO rows SELECT generate_series(151, 160)');
  await env.ok(['apply', '-f', '-'], siteC('  replica:\n    self: site-c\n    primary: site-d\n    source: site-d'));
  const token = await demotionToken('site-c');
  await env.ok(['apply', '-f', '-'], siteD(`    self: site-d\n    primary: site-d\n    source: site-c\n    promotionToken: ${token}`));
  await waitPromoted('site-d', 'site-d-1');
  assert.equal(await count('site-d-1'), '160');

  // The demoted site follows the new primary's archive.
  await sql(env, 'site-d-1', 'INSERT INTO rows SELECT generate_series(161, 170)');
  await archiveCurrentWal(env, 'site-d', 'site-d-1');
  await eventually('site-c follows site-d to 170 rows', async () => (await count('site-c-1')) === '170', 120_000, 500);
});
