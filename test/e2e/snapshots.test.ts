// Volume snapshot backups and recoveries on a real node (test/support/real-node.ts) with a real CSI
// stack: the node's csi-hostpath driver, kubernetes-csi's snapshot-controller, csi-snapshotter and
// csi-provisioner, StorageClass and VolumeSnapshotClass `csi-hostpath`. The operator, installed by
// its Helm chart, takes an online snapshot of a standby while a client writes, and a cold one; new
// Clusters come up from each with the rows they held. Nothing here plays a controller's part.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { realNodeUnavailable, startRealNode, type RealNode } from '../support/real-node.js';
import { Writer } from '../support/writer.js';
import { cnpg, diagnostics, helmInstallOperator, json, nodeTools, readCluster, rwConnection, waitOnNode, waitWhole, type NodeTools } from '../support/on-node.js';
import type { Tunnel } from '../support/netns.js';

let node: RealNode;
let tools: NodeTools;
let rw: { uri: string; tunnel: Tunnel } | undefined;
let acked = 0;
const unavailable = realNodeUnavailable();

interface BackupJson {
  status?: { phase?: string; error?: string; online?: boolean; instanceID?: { podName?: string }; beginLSN?: string; endLSN?: string; snapshotBackupStatus?: { elements: { name: string; type: string }[] } };
}

interface VolumeSnapshotJson {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { kind: string; name: string }[] };
  spec: { source: { persistentVolumeClaimName: string }; volumeSnapshotClassName?: string };
  status?: { readyToUse?: boolean; boundVolumeSnapshotContentName?: string };
}

/** psql as the postgres superuser in a Cluster's primary, through `kubectl cnpg psql`. */
async function superuser(cluster: string, sql: string): Promise<string> {
  const r = await cnpg(node, tools, ['psql', cluster, '--', '-X', '-v', 'ON_ERROR_STOP=1', '-d', 'app', '-Atc', sql]);
  assert.equal(r.code, 0, `kubectl cnpg psql ${cluster}: ${r.stderr}`);
  return r.stdout.trim();
}

async function healthy(name: string, instances: number): Promise<void> {
  await waitOnNode(node, `cluster ${name} healthy with ${instances}`, async () => {
    const s = (await readCluster(node, name)).status;
    return s?.phase === 'Cluster in healthy state' && s.readyInstances === instances;
  }, 400_000, 500).catch(async (e: Error) => {
    throw new Error(`${e.message}\n${await diagnostics(node)}`);
  });
}

async function backup(name: string, extra = ''): Promise<NonNullable<BackupJson['status']>> {
  await node.kubectl(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1\nkind: Backup\nmetadata:\n  name: ${name}\nspec:\n  cluster:\n    name: snap\n  method: volumeSnapshot\n${extra}`);
  return waitOnNode(node, `backup ${name} finished`, async () => {
    const s = (await json<BackupJson>(node, ['get', 'backup', name])).status;
    return (s?.phase === 'completed' || s?.phase === 'failed') && s;
  }, 400_000, 500);
}

function restored(name: string, snapshot: string): string {
  return `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: ${name}
spec:
  instances: 1
  storage:
    size: 1Gi
    storageClass: csi-hostpath
  bootstrap:
    recovery:
      volumeSnapshots:
        storage:
          name: ${snapshot}
          kind: VolumeSnapshot
          apiGroup: snapshot.storage.k8s.io
`;
}

before(async () => {
  if (unavailable) return;
  tools = await nodeTools();
  node = await startRealNode({ name: 'snapshots' });
});

after(async () => {
  await rw?.tunnel.close();
  await node?.stop();
  tools?.close();
});

test('a 2-instance Cluster on the csi-hostpath StorageClass, with volumeSnapshot backups configured, takes writes', { skip: unavailable, timeout: 800_000 }, async () => {
  await helmInstallOperator(node, tools);
  await node.kubectl(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: snap
spec:
  instances: 2
  storage:
    size: 1Gi
    storageClass: csi-hostpath
  backup:
    volumeSnapshot:
      className: csi-hostpath
      snapshotOwnerReference: backup
      labels:
        team: db
`);
  await healthy('snap', 2);
  await waitWhole(node, tools, 'snap', 2);
  rw = await rwConnection(node, 'snap');
  await Writer.prepare(rw.uri);
  await superuser('snap', 'CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders SELECT generate_series(1, 100)');
});

test('an online snapshot Backup of the standby, taken while a client writes, completes with VolumeSnapshots the CSI driver made ready', { skip: unavailable, timeout: 600_000 }, async () => {
  const writer = new Writer(rw!.uri);
  writer.start();
  try {
    const status = await backup('snap-online');
    assert.equal(status.phase, 'completed', `${status.error}\n${await diagnostics(node)}`);
    assert.equal(status.online, true);
    assert.equal(status.instanceID?.podName, 'snap-2');
    assert.ok(status.beginLSN && status.endLSN, JSON.stringify(status));
    assert.deepEqual(status.snapshotBackupStatus?.elements, [{ name: 'snap-online', type: 'PG_DATA' }]);
  } finally {
    await writer.stop();
  }
  acked = writer.acked.length;
  assert.ok(acked > 0, 'the writer committed during the backup');
  const vs = await json<VolumeSnapshotJson>(node, ['get', 'volumesnapshot', 'snap-online']);
  assert.equal(vs.status?.readyToUse, true);
  assert.ok(vs.status?.boundVolumeSnapshotContentName);
  assert.equal(vs.spec.source.persistentVolumeClaimName, 'snap-2');
  assert.equal(vs.spec.volumeSnapshotClassName, 'csi-hostpath');
  assert.equal(vs.metadata.labels?.['cnpg.io/backupName'], 'snap-online');
  assert.equal(vs.metadata.labels?.team, 'db');
  assert.match(Buffer.from(vs.metadata.annotations?.['cnpg.io/backupLabelFile'] ?? '', 'base64').toString(), /BACKUP FROM: standby/);
  assert.deepEqual(vs.metadata.ownerReferences?.map((o) => [o.kind, o.name]), [['Backup', 'snap-online']]);
});

test('a cold snapshot Backup fences the standby for the snapshot and lifts the fencing', { skip: unavailable, timeout: 600_000 }, async () => {
  await superuser('snap', 'INSERT INTO orders SELECT generate_series(101, 150)');
  // The standby must have the rows before it is snapshotted.
  await waitOnNode(node, 'the standby replays the rows', async () => {
    const r = await node.run('kubectl', ['exec', 'snap-2', '-c', 'postgres', '--', 'psql', '-X', '-d', 'app', '-Atc', 'SELECT count(*) FROM orders']);
    return r.code === 0 && r.stdout.trim() === '150';
  }, 120_000, 1000);
  const status = await backup('snap-cold', '  online: false\n');
  assert.equal(status.phase, 'completed', `${status.error}\n${await diagnostics(node)}`);
  assert.equal(status.online, false);
  assert.equal(status.instanceID?.podName, 'snap-2');
  await healthy('snap', 2);
  assert.equal((await readCluster(node, 'snap')).metadata.annotations?.['cnpg.io/fencedInstances'], undefined);
});

test('new Clusters recovered from the online and the cold VolumeSnapshots come up with their rows', { skip: unavailable, timeout: 900_000 }, async () => {
  await node.kubectl(['apply', '-f', '-'], restored('from-online', 'snap-online'));
  await healthy('from-online', 1);
  const claim = await json<{ spec: { dataSource?: { kind: string; name: string } } }>(node, ['get', 'pvc', 'from-online-1']);
  assert.deepEqual(claim.spec.dataSource && [claim.spec.dataSource.kind, claim.spec.dataSource.name], ['VolumeSnapshot', 'snap-online']);
  assert.equal(await superuser('from-online', 'SELECT count(*) FROM orders'), '100');
  // The standby's snapshot is a consistent point of the writer's sequence: 1..k, no gaps, k at most what was acknowledged.
  const [count, max] = (await superuser('from-online', 'SELECT count(*), coalesce(max(n), 0) FROM ha_writes')).split('|').map(Number);
  assert.equal(count, max, 'a contiguous prefix of the writes');
  assert.ok(max! <= acked, `${max} rows restored, ${acked} acknowledged`);

  await node.kubectl(['apply', '-f', '-'], restored('from-cold', 'snap-cold'));
  await healthy('from-cold', 1);
  assert.equal(await superuser('from-cold', 'SELECT count(*) FROM orders'), '150');
  await superuser('from-cold', 'INSERT INTO orders VALUES (1000)');
});
