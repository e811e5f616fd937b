// Point-in-time recovery of the seed's my-postgres (max_connections 200) into my-postgres-restored,
// which leaves it at the default 100: the recovered primary applies its own settings before its
// replicas are cloned, and the replicas start.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestEnv, eventually } from './support/env.js';
import { archiveCurrentWal, sql, waitBackup, waitReady } from './support/backup.js';
import { setTimeout as sleep } from 'node:timers/promises';

interface Pod {
  metadata: { name: string };
  status: { local: { pid?: number } };
}

const env = new TestEnv();
const storeDir = mkdtempSync(join(tmpdir(), 'cnpg-store-'));
// The instances run as postgres when the tests run as root.
chmodSync(storeDir, 0o777);
let targetTime = '';

before(async () => {
  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: my-postgres
spec:
  instances: 1
  storage:
    size: 1Gi
  postgresql:
    parameters:
      max_connections: "200"
  backup:
    barmanObjectStore:
      destinationPath: file://${storeDir}
`);
  await waitReady(env, 'my-postgres');
  await sql(env, 'my-postgres-1', 'CREATE TABLE marks (label text PRIMARY KEY)');
  await env.ok(['apply', '-f', '-'], 'apiVersion: postgresql.cnpg.io/v1\nkind: Backup\nmetadata:\n  name: my-postgres-base\nspec:\n  cluster:\n    name: my-postgres\n');
  const b = await waitBackup(env, 'my-postgres-base');
  assert.equal(b.status?.phase, 'completed', b.status?.error);
  await sql(env, 'my-postgres-1', "INSERT INTO marks VALUES ('kept')");
  targetTime = await sql(env, 'my-postgres-1', "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'");
  await sleep(1100);
  await sql(env, 'my-postgres-1', "INSERT INTO marks VALUES ('dropped')");
  await archiveCurrentWal(env, 'my-postgres', 'my-postgres-1');
});

after(async () => {
  await env.cleanup();
  rmSync(storeDir, { recursive: true, force: true });
});

test('recovered into max_connections 100: three healthy instances at 100, the data as of the target', { timeout: 300_000 }, async () => {
  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: my-postgres-restored
spec:
  instances: 3
  storage:
    size: 1Gi
  bootstrap:
    recovery:
      source: my-postgres
      recoveryTarget:
        targetTime: "${targetTime}"
  externalClusters:
    - name: my-postgres
      barmanObjectStore:
        destinationPath: file://${storeDir}
`);
  const pods = async () => (await env.json<{ items: Pod[] }>(['get', 'pods', '-l', 'cnpg.io/cluster=my-postgres-restored'])).items;
  const pidOfPrimary = (list: Pod[]) => list.find((p) => p.metadata.name === 'my-postgres-restored-1')?.status.local.pid;
  // The postmaster serving once the first replica is being cloned from it.
  const servingPid = await eventually('the first replica of the recovered primary', async () => {
    const list = await pods();
    return list.length > 1 ? pidOfPrimary(list) : undefined;
  }, 180_000, 200);
  await eventually('my-postgres-restored healthy with three ready instances', async () => {
    const s = (await env.json<{ status?: { phase?: string; readyInstances?: number } }>(['get', 'cluster', 'my-postgres-restored'])).status;
    return s?.phase === 'Cluster in healthy state' && s.readyInstances === 3;
  }, 120_000, 500);
  for (const n of [1, 2, 3]) assert.equal(await sql(env, `my-postgres-restored-${n}`, 'SHOW max_connections', 'postgres'), '100', `instance ${n}`);
  assert.equal(await sql(env, 'my-postgres-restored-1', "SELECT string_agg(label, ',' ORDER BY label) FROM marks"), 'kept');
  assert.equal(pidOfPrimary(await pods()), servingPid, 'the recovered primary was not restarted once it served');
});
