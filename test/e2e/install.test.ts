// End to end on a real node (test/support/real-node.ts: kubelet, containerd, runc, kube-proxy,
// CoreDNS): the release manifest installs the operator, whose Pod becomes Ready through its probes;
// the first seed's Cluster (lab-postgres, seeds/000) becomes Ready with 3 instance Pods on PVCs, each
// running the manager its init container copied from the operator image into the operand image
// (which holds no Node.js); rows written through `-rw` are read through `-ro`; the manager, PID 1 of
// its container, stops on SIGTERM.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { eventually, REPO } from '../support/env.js';
import { realNodeUnavailable, startRealNode, type RealNode } from '../support/real-node.js';


interface Pod {
  metadata: { name: string; uid: string; labels?: Record<string, string> };
  spec: {
    initContainers?: { name: string; image: string }[];
    containers: { name: string; image: string; command?: string[]; startupProbe?: unknown; livenessProbe?: unknown; readinessProbe?: unknown }[];
    volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[];
  };
  status: { conditions?: { type: string; status: string }[]; containerStatuses?: { restartCount: number; ready: boolean }[] };
}

const ready = (p: Pod): boolean => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

describe('real node: release manifest, operator, lab-postgres', { skip: realNodeUnavailable(), timeout: 20 * 60_000 }, () => {
  let node: RealNode;
  const pods = async (selector: string, ns = 'default'): Promise<Pod[]> => (JSON.parse(await node.kubectl(['-n', ns, 'get', 'pods', '-l', selector, '-o', 'json'])) as { items: Pod[] }).items;
  const psql = async (pod: string, host: string, password: string, sql: string): Promise<string> =>
    (await node.kubectl(['exec', pod, '-c', 'postgres', '--', 'psql', `postgresql://testuser:${encodeURIComponent(password)}@${host}:5432/testdb`, '-XAtc', sql])).trim();

  // What a failed wait needs to say why: the objects, the operator's log, the instances' logs.
  async function explain(): Promise<string> {
    const parts: string[] = [];
    for (const args of [
      ['get', 'nodes,pods,pvc,pv,svc', '-A', '-o', 'wide'],
      ['get', 'cluster', 'lab-postgres', '-o', 'yaml'],
      ['get', 'events', '-A', '--sort-by=.lastTimestamp'],
      ['-n', 'cnpg-system', 'logs', 'deploy/cnpg-controller-manager', '--tail=60'],
      ['logs', '-l', 'cnpg.io/cluster=lab-postgres', '--all-containers', '--prefix', '--tail=40'],
    ]) {
      const r = await node.run('kubectl', args, { timeoutMs: 30_000 });
      parts.push(`$ kubectl ${args.join(' ')}\n${r.stdout}${r.stderr}`);
    }
    return parts.join('\n');
  }
  async function waitOrExplain<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
    try {
      return await eventually(what, fn, timeoutMs, 1000);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${await explain()}`);
    }
  }

  before(async () => {
    node = await startRealNode();
    await node.addVolumes(4, 10);
  });
  after(async () => {
    await node?.stop();
  });

  test('kubectl apply --server-side of the release manifest: the operator Pod becomes Ready through its probes, non-root on a read-only root filesystem', async () => {
    const t0 = Date.now();
    await node.kubectl(['apply', '--server-side', '-f', join(REPO, 'releases', 'cnpg-ts-0.1.0.yaml')]);
    const [op] = await waitOrExplain('the operator Pod Ready', async () => {
      const ps = await pods('app.kubernetes.io/name=cnpg-ts', 'cnpg-system');
      return ps.length === 1 && ready(ps[0]!) && ps;
    }, 180_000);
    console.log(`release manifest applied -> operator Pod Ready: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const c = op!.spec.containers[0]!;
    assert.equal(c.image, node.images.operator);
    assert.ok(c.startupProbe && c.livenessProbe && c.readinessProbe, 'the Deployment probes the operator');
    assert.equal(op!.status.containerStatuses?.[0]?.restartCount, 0);
    const exec = (cmd: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
      node.run('kubectl', ['-n', 'cnpg-system', 'exec', op!.metadata.name, '--', ...cmd]);
    assert.equal((await exec(['id', '-u'])).stdout.trim(), '10001');
    const write = await exec(['touch', '/app/x']);
    assert.notEqual(write.code, 0);
    assert.match(write.stderr, /Read-only file system/);
    assert.match((await exec(['cat', '/proc/1/cmdline'])).stdout.replace(/\0/g, ' '), /node \/app\/dist\/src\/platform\/kubernetes\/main\.js/);
  });

  test('the seed\'s lab-postgres becomes Ready with 3 instance Pods on PVCs, managers copied from the operator image into an operand image without Node.js', async () => {
    const t0 = Date.now();
    await node.kubectl(['apply', '-f', join(REPO, 'examples', 'lab-postgres.yaml')]);
    await waitOrExplain('Cluster lab-postgres Ready and its 3 Pods Ready', async () => {
      const r = await node.run('kubectl', ['get', 'cluster', 'lab-postgres', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status} {.status.readyInstances}']);
      return r.stdout.trim() === 'True 3' && (await pods('cnpg.io/cluster=lab-postgres')).filter(ready).length === 3;
    }, 300_000);
    console.log(`lab-postgres applied -> Ready with 3 instances: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const ps = await pods('cnpg.io/cluster=lab-postgres');
    assert.equal(ps.length, 3);
    for (const p of ps) {
      assert.ok(ready(p), `${p.metadata.name} Ready`);
      const claim = p.spec.volumes?.find((v) => v.persistentVolumeClaim)?.persistentVolumeClaim?.claimName;
      assert.ok(claim, `${p.metadata.name} mounts a PVC`);
      assert.equal((await node.kubectl(['get', 'pvc', claim, '-o', 'jsonpath={.status.phase}'])).trim(), 'Bound');
      assert.equal(p.spec.containers[0]!.image, node.images.operand);
      assert.equal(p.spec.initContainers?.find((c) => c.name === 'bootstrap-controller')?.image, node.images.operator);
      const exec = (script: string): Promise<string> => node.kubectl(['exec', p.metadata.name, '-c', 'postgres', '--', 'sh', '-c', script]);
      assert.equal((await exec('command -v node || echo none')).trim(), 'none', 'the operand image has no Node.js');
      assert.match((await exec('tr "\\0" " " < /proc/1/cmdline')).trim(), /^\/controller\/manager\/node \/controller\/manager\/\S+\/dist\/src\/instance\/main\.js/);
      assert.equal((await exec('id -u')).trim(), '26');
    }
  });

  test('rows written through lab-postgres-rw are read through lab-postgres-ro (cluster DNS, kube-proxy, streaming replication)', async () => {
    const password = Buffer.from((await node.kubectl(['get', 'secret', 'lab-postgres-app', '-o', 'jsonpath={.data.password}'])).trim(), 'base64').toString();
    const [any] = await pods('cnpg.io/cluster=lab-postgres');
    const from = any!.metadata.name;
    await psql(from, 'lab-postgres-rw', password, "CREATE TABLE important_data (id serial PRIMARY KEY, value text NOT NULL); INSERT INTO important_data (value) SELECT 'Record ' || g FROM generate_series(1, 1000) g");
    await waitOrExplain('1000 rows through lab-postgres-ro', async () => (await psql(from, 'lab-postgres-ro', password, 'SELECT count(*) FROM important_data')) === '1000', 30_000);
    assert.equal(await psql(from, 'lab-postgres-ro', password, 'SELECT pg_is_in_recovery()'), 't', '-ro reaches a standby');
    assert.equal(await psql(from, 'lab-postgres-rw', password, 'SELECT pg_is_in_recovery()'), 'f', '-rw reaches the primary');
  });

  test('a standby Pod deleted stops at once on SIGTERM (the manager is PID 1; the grace period is 1800 s) and comes back streaming', async () => {
    const primary = (await node.kubectl(['get', 'cluster', 'lab-postgres', '-o', 'jsonpath={.status.currentPrimary}'])).trim();
    const before = (await pods('cnpg.io/cluster=lab-postgres')).find((p) => p.metadata.name !== primary)!;
    const standby = before.metadata.name;
    const t0 = Date.now();
    await node.kubectl(['delete', 'pod', standby, '--wait=true', '--timeout=120s'], undefined, 150_000);
    const stopped = (Date.now() - t0) / 1000;
    console.log(`standby Pod ${standby} deleted -> gone: ${stopped.toFixed(1)} s`);
    assert.ok(stopped < 60, `the Pod took ${stopped} s to stop: SIGTERM was not handled`);
    await waitOrExplain(`a new ${standby} Ready, streaming from ${primary}`, async () => {
      const again = (await pods('cnpg.io/cluster=lab-postgres')).find((p) => p.metadata.name === standby);
      if (!again || again.metadata.uid === before.metadata.uid || !ready(again)) return false;
      const streaming = await node.run('kubectl', ['exec', primary, '-c', 'postgres', '--', 'psql', '-h', '/var/lib/postgresql/data/run', '-U', 'postgres', '-XAtc', `SELECT state FROM pg_stat_replication WHERE application_name = '${standby}'`]);
      return streaming.stdout.trim() === 'streaming';
    }, 180_000);
    const r = await node.run('kubectl', ['get', 'cluster', 'lab-postgres', '-o', 'jsonpath={.status.readyInstances} {.status.currentPrimary}']);
    assert.equal(r.stdout.trim(), `3 ${primary}`);
  });
});
