// Recovery targets on a file:// store: by LSN, by transaction, by named restore point and
// "immediate"; a recovered cluster archiving into its own empty folder; and recovery refused when
// its own archive already holds another cluster's WAL.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestEnv, eventually } from './support/env.js';
import { archiveCurrentWal, primaryArchiving, sql, waitBackup, waitReady } from './support/backup.js';

const env = new TestEnv();
const storeDir = mkdtempSync(join(tmpdir(), 'cnpg-store-'));
// The instances run as postgres when the tests run as root.
chmodSync(storeDir, 0o777);
const destination = `file://${storeDir}`;
let backupId = '';
const marks: Record<string, string> = {};

function recoveryCluster(name: string, target: string, own?: string): string {
  return `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: ${name}
spec:
  instances: 1
  storage:
    size: 1Gi
${own ? `  backup:\n    barmanObjectStore:\n      destinationPath: ${destination}\n      serverName: ${own}\n` : ''}  bootstrap:
    recovery:
      source: origin
      recoveryTarget:
${target}
  externalClusters:
    - name: origin
      barmanObjectStore:
        destinationPath: ${destination}
`;
}

async function rows(cluster: string): Promise<string> {
  return sql(env, `${cluster}-1`, "SELECT coalesce(string_agg(label, ',' ORDER BY label), '') FROM marks");
}

before(async () => {
  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: origin
spec:
  instances: 1
  storage:
    size: 1Gi
  backup:
    barmanObjectStore:
      destinationPath: ${destination}
      wal:
        compression: snappy
      data:
        compression: bzip2
`);
  await waitReady(env, 'origin');
  const pod = 'origin-1';
  await sql(env, pod, 'CREATE TABLE marks (label text PRIMARY KEY)');
  await env.ok(['apply', '-f', '-'], 'apiVersion: postgresql.cnpg.io/v1\nkind: Backup\nmetadata:\n  name: origin-base\nspec:\n  cluster:\n    name: origin\n');
  const b = await waitBackup(env, 'origin-base');
  assert.equal(b.status?.phase, 'completed', b.status?.error);
  backupId = b.status!.backupId!;

  await sql(env, pod, "INSERT INTO marks VALUES ('a')");
  marks.lsn = await sql(env, pod, 'SELECT pg_current_wal_lsn()');
  marks.xid = await sql(env, pod, "BEGIN; INSERT INTO marks VALUES ('b'); SELECT txid_current(); COMMIT;").then((out) => out.split('\n').find((l) => /^\d+$/.test(l))!);
  await sql(env, pod, "SELECT pg_create_restore_point('before-c')");
  await sql(env, pod, "INSERT INTO marks VALUES ('c')");
  await archiveCurrentWal(env, 'origin', pod);
});

after(async () => {
  await env.cleanup();
  rmSync(storeDir, { recursive: true, force: true });
});

test('the store holds barman-cloud layout: base/<id>/backup.info and data.tar.bz2, WAL by timeline and log', () => {
  const base = join(storeDir, 'origin', 'base', backupId);
  assert.deepEqual(readdirSync(base).sort(), ['backup.info', 'data.tar.bz2']);
  const walDirs = readdirSync(join(storeDir, 'origin', 'wals'));
  assert.ok(walDirs.includes('0000000100000000'), walDirs.join(','));
  assert.ok(readdirSync(join(storeDir, 'origin', 'wals', '0000000100000000')).every((f) => f.endsWith('.snappy')));
});

test('recovery by LSN, by transaction, by restore point and immediate', { timeout: 300_000 }, async () => {
  await env.ok(['apply', '-f', '-'], [
    recoveryCluster('by-lsn', `        targetLSN: "${marks.lsn}"`),
    recoveryCluster('by-xid', `        backupID: "${backupId}"\n        targetXID: "${marks.xid}"`),
    recoveryCluster('by-name', `        backupID: "${backupId}"\n        targetName: before-c`),
    recoveryCluster('by-immediate', `        backupID: "${backupId}"\n        targetImmediate: true`, 'by-immediate'),
  ].join('---\n'));
  for (const name of ['by-lsn', 'by-xid', 'by-name', 'by-immediate']) await waitReady(env, name, 240);
  assert.equal(await rows('by-lsn'), 'a');
  assert.equal(await rows('by-xid'), 'a,b', 'the target transaction is included (exclusive: false)');
  assert.equal(await rows('by-name'), 'a,b');
  assert.equal(await rows('by-immediate'), '', 'consistent as soon as the base backup ends');

  // The recovered cluster archives into its own, empty folder: its new timeline's history first.
  const archived = await eventually('by-immediate archiving its first WAL', async () => (await primaryArchiving(env, 'by-immediate'))?.lastArchivedWal);
  assert.ok(archived);
  const own = readdirSync(join(storeDir, 'by-immediate', 'wals'));
  assert.ok(own.some((f) => f.startsWith('00000002.history')), own.join(','));
});

test('a recovery whose own archive already holds WAL is refused with a clear message', { timeout: 120_000 }, async () => {
  await env.ok(['apply', '-f', '-'], recoveryCluster('clash', `        backupID: "${backupId}"\n        targetImmediate: true`, 'origin'));
  const reason = await eventually('the refusal in the cluster status', async () => {
    const c = await env.json<{ status?: { phaseReason?: string } }>(['get', 'cluster', 'clash']);
    const s = await env.ok(['status', 'clash']);
    return /already holds WAL/.test(s) ? s : c.status?.phaseReason && /already holds WAL/.test(c.status.phaseReason) ? c.status.phaseReason : undefined;
  }, 60_000, 500);
  assert.match(reason, /another serverName/);
  await env.ok(['delete', 'cluster', 'clash']);
});

test('a switchover archives the old timeline’s partial last segment and the new history file', { timeout: 180_000 }, async () => {
  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: switching
spec:
  instances: 2
  storage:
    size: 1Gi
  backup:
    barmanObjectStore:
      destinationPath: ${destination}
`);
  await waitReady(env, 'switching');
  await sql(env, 'switching-1', 'CREATE TABLE t AS SELECT generate_series(1, 1000) AS x');
  await env.ok(['promote', 'switching', 'switching-2']);
  const files = await eventually('the partial segment and the history file in the store', async () => {
    const wals = join(storeDir, 'switching', 'wals');
    const all = readdirSync(wals, { recursive: true }).map(String);
    return all.some((f) => f.endsWith('.partial')) && all.includes('00000002.history') ? all : undefined;
  }, 60_000, 500);
  assert.ok(files.some((f) => /^0000000100000000\/00000001[0-9A-F]{16}\.partial$/.test(f)), files.join(','));
});
