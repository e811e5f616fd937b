// A Cluster's life on a real node (kubelet on containerd, the project's images, a real
// kube-controller-manager and scheduler; test/support/real-node.ts): the Helm chart installs the
// operator, a 3-instance Cluster archiving to S3 comes up on PersistentVolumes, survives the
// deletion of its primary's Pod, answers `kubectl cnpg status` and `promote`, is restored to a point
// in time, carries rows to the restored Cluster through `kubectl cnpg subscription create`, keeps
// taking writes through a rolling update of the operator's image, and is garbage-collected whole
// by kube-controller-manager once deleted. The tests run in order on one node and one Cluster, as
// a user's day would.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { LABELS } from '../../src/api/names.js';
import { allAcknowledgedPresent } from '../support/ha.js';
import { startS3Server, type S3Server } from '../support/s3.js';
import { Writer } from '../support/writer.js';
import { realNodeUnavailable, startRealNode, type RealNode } from '../support/real-node.js';
import {
  OPERATOR_DEPLOYMENT,
  OPERATOR_NAMESPACE,
  clusterPods,
  cnpg,
  helmInstallOperator,
  isReady,
  json,
  nodeTools,
  readCluster,
  rwConnection,
  splitImage,
  statusReport,
  waitOnNode,
  waitWhole,
  type NodeTools,
  type PodJson,
} from '../support/on-node.js';
import type { Tunnel } from '../support/netns.js';

let node: RealNode;
let tools: NodeTools;
let s3: S3Server;
let rw: { uri: string; tunnel: Tunnel };
const BUCKET = 'backups';

const store = () => `    barmanObjectStore:
      destinationPath: s3://${BUCKET}/lab/
      endpointURL: ${s3.endpoint}
      s3Credentials:
        accessKeyId:
          name: backup-creds
          key: ACCESS_KEY_ID
        secretAccessKey:
          name: backup-creds
          key: SECRET_ACCESS_KEY
      wal:
        compression: gzip`;

/** One statement as the app user through the -rw Service. */
async function query<R extends pg.QueryResultRow>(text: string): Promise<R[]> {
  const c = new pg.Client({ connectionString: rw.uri, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return (await c.query<R>(text)).rows;
  } finally {
    await c.end();
  }
}

/** psql as the postgres superuser in the primary's Pod, through `kubectl cnpg psql`. */
async function superuser(cluster: string, sql: string): Promise<string> {
  const r = await cnpg(node, tools, ['psql', cluster, '--', '-X', '-v', 'ON_ERROR_STOP=1', '-d', 'app', '-Atc', sql]);
  assert.equal(r.code, 0, `kubectl cnpg psql ${cluster}: ${r.stderr}`);
  return r.stdout.trim();
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
// Root on Linux only (containerd, network namespaces, cgroups); skipped elsewhere, as test/e2e/install.test.ts.
const unavailable = realNodeUnavailable();

before(async () => {
  if (unavailable) return;
  tools = await nodeTools();
  node = await startRealNode({ name: 'lifecycle' });
  // pg-1..3, pg-restored-1, and room for a PVC that outlives its Pod.
  await node.addVolumes(6, 2);
  s3 = await startS3Server({ netns: node.netns, host: node.nodeIp });
  await s3.createBucket(BUCKET);
});

after(async () => {
  await rw?.tunnel.close();
  await s3?.stop();
  await node?.stop();
  tools?.close();
});

test('helm install: the operator Pod becomes Ready through its probes', { skip: unavailable, timeout: 400_000 }, async (t) => {
  const took = await helmInstallOperator(node, tools);
  t.diagnostic(`helm install --wait → operator Ready: ${seconds(took)}`);
  const pods = (await json<{ items: PodJson[] }>(node, ['get', 'pods', '-n', OPERATOR_NAMESPACE, '-l', 'app.kubernetes.io/name=cnpg-ts'])).items;
  assert.equal(pods.length, 1, pods.map((p) => p.metadata.name).join(', '));
  const pod = pods[0]!;
  const container = pod.spec.containers[0]!;
  assert.equal(container.image, node.images.operator);
  assert.ok(container.startupProbe && container.livenessProbe && container.readinessProbe, 'the chart gives the operator all three probes');
  assert.ok(isReady(pod), `operator Pod not Ready: ${JSON.stringify(pod.status)}`);
  assert.deepEqual(pod.status.containerStatuses?.map((c) => [c.ready, c.started, c.restartCount]), [[true, true, 0]]);
  assert.equal(pod.spec.securityContext?.runAsUser, 10001);
});

test('a 3-instance Cluster becomes Ready on PersistentVolumeClaims and takes writes through -rw', { skip: unavailable, timeout: 400_000 }, async (t) => {
  await node.kubectl(['create', 'secret', 'generic', 'backup-creds', `--from-literal=ACCESS_KEY_ID=${s3.accessKeyId}`, `--from-literal=SECRET_ACCESS_KEY=${s3.secretAccessKey}`]);
  const applied = performance.now();
  await node.kubectl(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: pg
spec:
  instances: 3
  storage:
    size: 1Gi
  backup:
${store()}
`);
  await waitOnNode(node, 'cluster pg Ready with 3 instances', async () => {
    const s = (await readCluster(node, 'pg')).status;
    return s?.phase === 'Cluster in healthy state' && s.readyInstances === 3;
  }, 300_000, 250);
  const clusterReady = performance.now();
  // The kubelet's readiness probe, which the Services' endpoints follow, may say so a period later.
  const pods = await waitOnNode(node, '3 instance Pods Ready', async () => {
    const all = await clusterPods(node, 'pg');
    return all.length === 3 && all.every(isReady) ? all : undefined;
  }, 120_000, 250);
  t.diagnostic(`Cluster apply → Ready (3 instances): ${seconds(clusterReady - applied)} by its status, ${seconds(performance.now() - applied)} until every Pod is Ready`);
  await waitWhole(node, tools, 'pg', 3);

  assert.deepEqual(pods.map((p) => p.metadata.name).sort(), ['pg-1', 'pg-2', 'pg-3']);
  for (const p of pods) {
    assert.equal(p.spec.volumes?.find((v) => v.persistentVolumeClaim)?.persistentVolumeClaim?.claimName, p.metadata.name);
  }
  const pvcs = (await json<{ items: Array<{ metadata: { name: string }; status: { phase: string } }> }>(node, ['get', 'pvc', '-l', `${LABELS.cluster}=pg`])).items;
  assert.deepEqual(pvcs.map((c) => [c.metadata.name, c.status.phase]).sort(), [['pg-1', 'Bound'], ['pg-2', 'Bound'], ['pg-3', 'Bound']]);

  rw = await rwConnection(node, 'pg');
  await query('CREATE TABLE orders (id int PRIMARY KEY, state text NOT NULL)');
  await query("INSERT INTO orders SELECT g, 'placed' FROM generate_series(1, 100) g");
  assert.deepEqual(await query('SELECT count(*)::int AS n FROM orders'), [{ n: 100 }]);
});

test('deleting the primary\'s Pod fails over, and the old instance rejoins as a standby', { skip: unavailable, timeout: 400_000 }, async (t) => {
  const before = (await readCluster(node, 'pg')).status!.currentPrimary!;
  const oldUid = (await clusterPods(node, 'pg')).find((p) => p.metadata.name === before)!.metadata.uid;
  await Writer.prepare(rw.uri);
  const writer = new Writer(rw.uri);
  writer.start();
  await sleep(1000);
  assert.ok(writer.acked.length > 0, 'the writer commits before the failure');
  const deleted = performance.now();
  await node.kubectl(['delete', 'pod', before, '--wait=false']);
  const report = await waitWhole(node, tools, 'pg', 3, (p) => p !== before);
  // The writer has to commit again after the failover for the gap to be over.
  await waitOnNode(node, 'writes acknowledged again', async () => (writer.ackTimes.at(-1) ?? 0) > deleted + 1, 60_000, 100);
  await writer.stop();
  const gap = writer.longestGapSince(deleted);
  t.diagnostic(`write unavailability on primary Pod deletion: ${seconds(gap)} (${before} → ${report.currentPrimary})`);
  await allAcknowledgedPresent(rw.uri, writer);

  const rejoined = (await clusterPods(node, 'pg')).find((p) => p.metadata.name === before)!;
  assert.notEqual(rejoined.metadata.uid, oldUid, `${before} is a new Pod`);
  assert.equal(rejoined.metadata.labels?.[LABELS.instanceRole], 'replica');
  const primary = report.instancesStatus.find((i) => i.isPrimary)!;
  assert.ok(primary.replication?.some((r) => r.applicationName === before && r.state === 'streaming'), JSON.stringify(primary.replication));
  assert.deepEqual(await query('SELECT count(*)::int AS n FROM orders'), [{ n: 100 }]);
});

test('kubectl cnpg status reports every instance; kubectl cnpg promote switches the primary over', { skip: unavailable, timeout: 300_000 }, async () => {
  const current = (await readCluster(node, 'pg')).status!.currentPrimary!;
  const text = await cnpg(node, tools, ['status', 'pg']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /Cluster in healthy state/);
  assert.match(text.stdout, new RegExp(`Primary instance:\\s+${current}`));
  const report = await statusReport(node, tools, 'pg');
  assert.deepEqual(report.instancesStatus.map((i) => [i.name, i.isPrimary, i.ready, i.error]).sort(), ['pg-1', 'pg-2', 'pg-3'].map((n) => [n, n === current, true, undefined]));

  const target = ['pg-1', 'pg-2', 'pg-3'].find((n) => n !== current)!;
  const promoted = await cnpg(node, tools, ['promote', 'pg', target]);
  assert.equal(promoted.code, 0, promoted.stderr);
  const after = await waitWhole(node, tools, 'pg', 3, (p) => p === target);
  assert.ok(after.instancesStatus.find((i) => i.isPrimary)?.replication?.some((r) => r.applicationName === current && r.state === 'streaming'), `${current} follows ${target}`);
  // The primary lease moved with it: the instances reach their Lease with their service account's token.
  assert.equal((await node.kubectl(['get', 'lease', 'pg', '-o', 'jsonpath={.spec.holderIdentity}'])).trim(), target);
  const labels = Object.fromEntries((await clusterPods(node, 'pg')).map((p) => [p.metadata.name, p.metadata.labels?.[LABELS.instanceRole]]));
  assert.equal(labels[target], 'primary');
  assert.equal(labels[current], 'replica');
});

test('a Backup to S3 completes and a new Cluster recovers to a point in time before a bad UPDATE', { skip: unavailable, timeout: 600_000 }, async () => {
  await node.kubectl(['apply', '-f', '-'], 'apiVersion: postgresql.cnpg.io/v1\nkind: Backup\nmetadata:\n  name: pg-first\nspec:\n  cluster:\n    name: pg\n');
  const backup = await waitOnNode(node, 'backup pg-first finished', async () => {
    const b = await json<{ status?: { phase?: string; error?: string; backupId?: string } }>(node, ['get', 'backup', 'pg-first']);
    return ['completed', 'failed'].includes(b.status?.phase ?? '') ? b : undefined;
  }, 240_000);
  assert.equal(backup.status?.phase, 'completed', backup.status?.error);

  await query("INSERT INTO orders SELECT g, 'placed' FROM generate_series(101, 150) g");
  const [{ at }] = (await query<{ at: string }>("SELECT to_char(clock_timestamp() AT TIME ZONE 'utc', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' AS at")) as [{ at: string }];
  await sleep(1100);
  await query("UPDATE orders SET state = 'damaged'");
  const wal = await superuser('pg', 'SELECT pg_walfile_name(pg_current_wal_lsn())');
  await superuser('pg', 'SELECT pg_switch_wal()');
  await waitOnNode(node, `WAL ${wal} archived`, async () => {
    const a = (await statusReport(node, tools, 'pg')).instancesStatus.find((i) => i.isPrimary)?.archiving;
    if (a?.failing) throw new Error(`archiving failing: ${a.lastError}`);
    return a?.lastArchivedWal !== undefined && a.lastArchivedWal >= wal;
  }, 120_000);

  await node.kubectl(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: pg-restored
spec:
  instances: 1
  storage:
    size: 1Gi
  bootstrap:
    recovery:
      source: pg
      recoveryTarget:
        targetTime: "${at}"
  externalClusters:
    - name: pg
  ${store().replace(/\n/g, '\n  ')}
`);
  await waitWhole(node, tools, 'pg-restored', 1);
  assert.equal(await superuser('pg-restored', "SELECT count(*) || '|' || count(*) FILTER (WHERE state = 'damaged') FROM orders"), '150|0');
});

test('kubectl cnpg publication and subscription create, then Publication and Subscription objects, carry rows from one Cluster to another', { skip: unavailable, timeout: 300_000 }, async () => {
  // The subscription's connection is pg-restored's new externalClusters entry: the app user of pg,
  // its password read from pg's Secret by the plugin and written into pg-restored's primary Pod.
  await superuser('pg', 'ALTER ROLE app REPLICATION');
  await query('CREATE TABLE shipments (id int PRIMARY KEY, note text NOT NULL)');
  await query("INSERT INTO shipments SELECT g, 'first' FROM generate_series(1, 10) g");
  await superuser('pg-restored', 'CREATE TABLE shipments (id int PRIMARY KEY, note text NOT NULL)');
  const entry = { name: 'pg-live', connectionParameters: { host: 'pg-rw', user: 'app', dbname: 'app', sslmode: 'require' }, password: { name: 'pg-app', key: 'password' } };
  await node.kubectl(['patch', 'cluster', 'pg-restored', '--type=json', '-p', JSON.stringify([{ op: 'add', path: '/spec/externalClusters/-', value: entry }])]);

  const published = await cnpg(node, tools, ['publication', 'create', 'pg', '--publication', 'ship_pub', '--table', 'public.shipments']);
  assert.equal(published.code, 0, published.stderr);
  const subscribed = await cnpg(node, tools, ['subscription', 'create', 'pg-restored', '--external-cluster', 'pg-live', '--publication', 'ship_pub', '--subscription', 'ship_sub']);
  assert.equal(subscribed.code, 0, subscribed.stderr);
  await waitOnNode(node, 'the 10 rows copied into pg-restored', async () => (await superuser('pg-restored', 'SELECT count(*) FROM shipments')) === '10', 120_000, 500);
  await query("INSERT INTO shipments VALUES (11, 'followed')");
  await waitOnNode(node, 'the new row followed into pg-restored', async () => (await superuser('pg-restored', 'SELECT note FROM shipments WHERE id = 11')) === 'followed', 60_000, 500);

  const password = Buffer.from(await node.kubectl(['get', 'secret', 'pg-app', '-o', 'jsonpath={.data.password}']), 'base64').toString();
  const conninfo = await superuser('pg-restored', "SELECT subconninfo FROM pg_subscription WHERE subname = 'ship_sub'");
  assert.match(conninfo, /passfile=\S+\/external\/pg-live\/pgpass/);
  assert.ok(!conninfo.includes(password) && !subscribed.stdout.includes(password), 'the password is in neither the catalog nor the output');

  const dropped = await cnpg(node, tools, ['subscription', 'drop', 'pg-restored', '--subscription', 'ship_sub']);
  assert.equal(dropped.code, 0, dropped.stderr);
  assert.equal(await superuser('pg', "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'ship_sub'"), '0', 'the drop removed the slot on the publisher');
  const unpublished = await cnpg(node, tools, ['publication', 'drop', 'pg', '--publication', 'ship_pub']);
  assert.equal(unpublished.code, 0, unpublished.stderr);

  // The same pair as objects, reconciled by the operator through the instances' managers.
  await node.kubectl(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Publication
metadata:
  name: ship-pub
spec:
  cluster:
    name: pg
  name: ship_objects
  dbname: app
  target:
    objects:
      - table:
          schema: public
          name: shipments
  publicationReclaimPolicy: delete
---
apiVersion: postgresql.cnpg.io/v1
kind: Subscription
metadata:
  name: ship-sub
spec:
  cluster:
    name: pg-restored
  name: ship_objects
  dbname: app
  publicationName: ship_objects
  externalClusterName: pg-live
  parameters:
    copy_data: "false"
  subscriptionReclaimPolicy: delete
`);
  for (const kind of ['publication/ship-pub', 'subscription/ship-sub']) {
    await waitOnNode(node, `${kind} applied`, async () => (await node.kubectl(['get', kind, '-o', 'jsonpath={.status.applied}'])).trim() === 'true', 120_000, 500);
  }
  await query("INSERT INTO shipments VALUES (12, 'declared')");
  await waitOnNode(node, 'the row followed through the Subscription object', async () => (await superuser('pg-restored', 'SELECT note FROM shipments WHERE id = 12')) === 'declared', 60_000, 500);
  await node.kubectl(['delete', 'subscription', 'ship-sub', '--timeout=120s']);
  await node.kubectl(['delete', 'publication', 'ship-pub', '--timeout=120s']);
  assert.equal(await superuser('pg', "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'ship_objects'"), '0', 'reclaim policy delete dropped the slot');
  assert.equal(await superuser('pg', "SELECT count(*) FROM pg_publication WHERE pubname = 'ship_objects'"), '0', 'and the publication');
  await node.kubectl(['delete', 'cluster', 'pg-restored', '--wait=false']);
});

test('a rolling update of the operator\'s image keeps the Cluster running: same primary, same Pods, writes go on', { skip: unavailable, timeout: 400_000 }, async (t) => {
  const { repository, tag } = splitImage(node.images.operator);
  const rolled = `${repository}:${tag}-rolled`;
  await tagImage(node.images.operator, rolled);
  const primary = (await readCluster(node, 'pg')).status!.currentPrimary!;
  const uids = (await clusterPods(node, 'pg')).map((p) => p.metadata.uid).sort();
  const postmasterStart = await superuser('pg', 'SELECT pg_postmaster_start_time()');

  // The writer numbers its rows from 1 again.
  await query('TRUNCATE ha_writes');
  const writer = new Writer(rw.uri);
  writer.start();
  await sleep(1000);
  assert.ok(writer.acked.length > 0, 'the writer commits before the update');
  const started = performance.now();
  await node.kubectl(['set', 'image', '-n', OPERATOR_NAMESPACE, `deployment/${OPERATOR_DEPLOYMENT}`, `manager=${rolled}`]);
  await node.kubectl(['rollout', 'status', '-n', OPERATOR_NAMESPACE, `deployment/${OPERATOR_DEPLOYMENT}`, '--timeout=240s'], undefined, 250_000);
  const operatorPod = (await json<{ items: PodJson[] }>(node, ['get', 'pods', '-n', OPERATOR_NAMESPACE, '-l', 'app.kubernetes.io/name=cnpg-ts'])).items.filter((p) => !p.metadata.deletionTimestamp);
  assert.deepEqual(operatorPod.map((p) => p.spec.containers[0]!.image), [rolled]);
  const rolledPod = operatorPod[0]!.metadata.name;
  // The new operator leads (it runs the controllers), then has had time to reconcile the Cluster.
  await waitOnNode(node, `${rolledPod} holding the leader Lease`, async () => {
    const holder = await node.kubectl(['get', 'lease', '-n', OPERATOR_NAMESPACE, 'cnpg-ts-leader', '-o', 'jsonpath={.spec.holderIdentity}']);
    return holder.startsWith(`${rolledPod}-`);
  }, 120_000);
  await sleep(10_000);
  const committed = writer.acked.length;
  await waitOnNode(node, 'writes acknowledged after the update', async () => writer.acked.length > committed, 30_000, 100);
  await writer.stop();
  const gap = writer.longestGapSince(started);
  t.diagnostic(`longest write gap during the operator's rolling update: ${gap.toFixed(0)} ms (${writer.acked.length} commits)`);

  const report = await waitWhole(node, tools, 'pg', 3);
  assert.equal(report.currentPrimary, primary, 'no primary change');
  assert.deepEqual((await clusterPods(node, 'pg')).map((p) => p.metadata.uid).sort(), uids, 'no instance Pod was replaced');
  await allAcknowledgedPresent(rw.uri, writer);
  // How long a commit took is the machine's business (bench/ measures it); what the operator must
  // not do is touch the instances: the writer's one session lived through the whole update.
  assert.equal(writer.connections, 1, 'the writer\'s session was never cut');
  assert.equal(await superuser('pg', 'SELECT pg_postmaster_start_time()'), postmasterStart, 'PostgreSQL was not restarted');
});

test('deleting the Cluster garbage-collects every object it owns (kube-controller-manager, the operator stopped)', { skip: unavailable, timeout: 400_000 }, async () => {
  await rw.tunnel.close();
  // With no operator running, whatever goes is the garbage collector's doing.
  await node.kubectl(['scale', '-n', OPERATOR_NAMESPACE, `deployment/${OPERATOR_DEPLOYMENT}`, '--replicas=0']);
  await waitOnNode(node, 'no operator Pod', async () => (await json<{ items: unknown[] }>(node, ['get', 'pods', '-n', OPERATOR_NAMESPACE, '-l', 'app.kubernetes.io/name=cnpg-ts'])).items.length === 0, 120_000);

  const uid = (await readCluster(node, 'pg')).metadata.uid!;
  const owned = ownedBy(uid, await everything());
  const kinds = new Set(owned.map((o) => o.kind));
  for (const kind of ['Pod', 'PersistentVolumeClaim', 'Service', 'Secret']) assert.ok(kinds.has(kind), `the Cluster owns a ${kind}: ${[...kinds].join(', ')}`);

  await node.kubectl(['delete', 'cluster', 'pg', '--wait=false']);
  await waitOnNode(node, 'every object the Cluster owned gone', async () => {
    const left = new Set((await everything()).map((o) => o.metadata.uid));
    const remaining = owned.filter((o) => left.has(o.metadata.uid));
    if (remaining.length > 0) throw new Error(`still there: ${remaining.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
    return true;
  }, 300_000, 1000);
});

interface ObjectJson {
  kind: string;
  metadata: { name: string; uid: string; ownerReferences?: Array<{ uid: string }> };
}

/** Every object of every namespaced kind in `default`. */
async function everything(): Promise<ObjectJson[]> {
  const kinds = (await node.kubectl(['api-resources', '--verbs=list,delete', '--namespaced', '-o', 'name'])).split('\n').filter(Boolean);
  return (await json<{ items: ObjectJson[] }>(node, ['get', kinds.join(','), '-n', 'default'])).items;
}

/** The objects `uid` owns, and the objects those own, and so on. */
function ownedBy(uid: string, objects: ObjectJson[]): ObjectJson[] {
  const owners = new Set([uid]);
  const out: ObjectJson[] = [];
  for (let grew = true; grew; ) {
    grew = false;
    for (const o of objects) {
      if (owners.has(o.metadata.uid) || !o.metadata.ownerReferences?.some((r) => owners.has(r.uid))) continue;
      owners.add(o.metadata.uid);
      out.push(o);
      grew = true;
    }
  }
  return out;
}

/** A second name for an image already in the node's containerd, as a registry push of a new tag would give. */
async function tagImage(from: string, to: string): Promise<void> {
  const r = await node.run('ctr', ['--address', join(node.stateDir, 'containerd', 'containerd.sock'), '-n', 'k8s.io', 'images', 'tag', '--force', from, to]);
  assert.equal(r.code, 0, `ctr images tag: ${r.stderr}`);
}
