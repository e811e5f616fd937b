// The real `kubectl exec` against a Pod of a real kube-apiserver: the kubelet stand-in registers a
// Node that declares ExtendWebSocketsToKubelet, so the API server passes kubectl's WebSocket through
// to the stand-in, which runs the command with the Pod's environment next to its PostgreSQL.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { installCrds } from './support/crds.js';
import { eventually } from './support/env.js';
import { startControlPlane, type ControlPlane } from './support/controlplane.js';
import { KubeletStandIn } from './support/kubelet.js';
import { TestOperator, createCluster, readCluster } from './support/operator.js';


let cp: ControlPlane;
let kc: KubeConfig;
let kubelet: KubeletStandIn;
let operator: TestOperator;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

// Never spawnSync: the stand-in serving the exec is in this process.
function run(file: string, args: string[], input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

const kubectl = (args: string[], input?: string) => run(cp.kubectl, ['--kubeconfig', cp.kubeconfigPath, ...args], input);

before(async () => {
  cp = await startControlPlane();
  kc = cp.kubeConfig();
  await installCrds(kc);
  // A CRD's storage answers 429 for a moment after it is established, and the operator gives up on that.
  await eventually('the Cluster resource served', () => kc.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({ group: 'postgresql.cnpg.io', version: 'v1', namespace: 'default', plural: 'clusters' }).then(() => true, () => false));
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'cnpg-system' } } });
  kubelet = new KubeletStandIn(kc, mkdtempSync(join(tmpdir(), 'cnpg-kubelet-')));
  kubelet.start();
  operator = new TestOperator(cp);
  await createCluster(kc, 'pg', { instances: 1, storage: { size: '1Gi' } });
  const outcome = await eventually('a healthy 1-instance cluster', async () => {
    if (!operator.running) return `the operator exited (${operator.child.exitCode})`;
    const obj = (await readCluster(kc, 'pg')) as { status?: { phase?: string; readyInstances?: number } };
    return obj.status?.phase === 'Cluster in healthy state' && obj.status.readyInstances === 1 && 'healthy';
  }, 180_000, 500).catch((e: Error) => e.message);
  if (outcome !== 'healthy') throw new Error(`${outcome}\nkubelet: ${kubelet.lastError ?? 'no error'}\noperator:\n${operator.output(4000)}\nmanager:\n${kubelet.logs.get('pg-1')?.slice(-2500) ?? ''}`);
});

after(async () => {
  operator?.kill();
  await kubelet?.stop();
  await cp?.stop();
});

test('the Pod is bound to the stand-in Node, which declares WebSocket streaming, and points psql at its socket', async () => {
  const core = kc.makeApiClient(CoreV1Api);
  const pod = await core.readNamespacedPod({ name: 'pg-1', namespace: 'default' });
  assert.equal(pod.spec?.nodeName, kubelet.nodeName);
  // The stand-in maps it to its own socket folder; in a real Pod the manager's socket is here.
  assert.equal(pod.spec?.containers[0]?.env?.find((e) => e.name === 'PGHOST')?.value, '/var/lib/postgresql/data/run');
  const node = await kubectl(['get', 'node', kubelet.nodeName, '-o', 'jsonpath={.status.declaredFeatures}']);
  assert.equal(node.code, 0, node.stderr);
  assert.deepEqual(JSON.parse(node.stdout), ['ExtendWebSocketsToKubelet']);
});

test('kubectl exec runs psql in the Pod against its PostgreSQL', async () => {
  const r = await kubectl(['exec', '-i', 'pg-1', '-c', 'postgres', '--', 'psql', '-tAc', 'select 6*7, current_user']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '42|postgres\n');
});

test('kubectl exec gives the command the environment of the Pod, PGHOST included', async () => {
  const r = await kubectl(['exec', 'pg-1', '--', 'sh', '-c', 'echo "$POD_NAME $NAMESPACE $POD_IP"; test -S "$PGHOST/.s.PGSQL.5432" && echo socket']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `pg-1 default ${kubelet.ipOf('pg-1')}\nsocket\n`);
});

test('kubectl exec exits with the exit code of the command, and keeps stdout and stderr apart', async () => {
  const r = await kubectl(['exec', '-i', 'pg-1', '-c', 'postgres', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
  assert.equal(r.code, 3, r.stderr);
  assert.equal(r.stdout, 'out\n');
  assert.match(r.stderr, /^err\n/);
  assert.match(r.stderr, /command terminated with exit code 3/);
});

test('kubectl exec -i passes stdin through to its end', async () => {
  const r = await kubectl(['exec', '-i', 'pg-1', '--', 'psql', '-tA'], 'select 1;\nselect count(*) from generate_series(1, 5);\n');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '1\n5\n');
});

test('kubectl exec of a command that does not exist fails', async () => {
  const r = await kubectl(['exec', 'pg-1', '--', 'no-such-command']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^error: Internal error occurred: exec "no-such-command"/);
});

test('kubectl exec -ti gets a terminal when kubectl has one', async () => {
  // script(1) gives kubectl the terminal its stdin must be for -t to take effect.
  const r = await run('script', ['-qec', `${cp.kubectl} --kubeconfig ${cp.kubeconfigPath} exec -ti pg-1 -c postgres -- sh -c 'tty; exit 4'`, '/dev/null'], '');
  assert.equal(r.code, 4, r.stdout);
  assert.match(r.stdout, /\/dev\/pts\/\d+\r\n/);
});
