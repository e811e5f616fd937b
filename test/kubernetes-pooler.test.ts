// A Pooler on a real kube-apiserver (test/support/controlplane.ts): the validating webhook refuses
// a bad PgBouncer parameter with its field path and a Pooler named like a Cluster (and the
// reverse); KubePoolers, run with the release manifest's ClusterRole, makes the Deployment,
// Service, ServiceAccount, Role, RoleBinding and config Secret with CloudNativePG's names, labels
// and annotations, and follows a spec change; `kubectl scale` and the /scale subresource move
// spec.instances; the Role lets the pooler's own account read its handout and nothing else.
//
// The runtime is driven directly, as the Pooler controller (src/operator/pooler-controller.ts)
// drives it: there is no kubelet or Deployment controller here, so no pooler Pod would run anyway.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  
  ApiException,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  RbacAuthorizationV1Api,
  Watch,
  type V1ClusterRole,
} from '@kubernetes/client-node';
import { parse } from 'yaml';
import type { Pooler } from '../src/api/index.js';
import { handoutHash, type PoolerHandout } from '../src/pgbouncer/handout.js';
import { KubePoolers } from '../src/platform/kubernetes/poolers.js';
import { KubeStore } from '../src/platform/kubernetes/store.js';
import { issueServingCertificate } from '../src/platform/kubernetes/webhook-cert.js';
import { startWebhookServer } from '../src/platform/kubernetes/webhook.js';
import { installCrds, registerWebhooks, installPodMonitorCrd } from './support/crds.js';
import { REPO } from './support/env.js';
import { freePort } from './support/s3.js';
import { eventually, ownedTempDir, POOLER_MAIN, removeDir, unprivileged } from './support/pooler.js';
import { startControlPlane, type ControlPlane } from './support/controlplane.js';

const exec = promisify(execFile);
const NS = 'poolers';
const IMAGE = 'ghcr.io/cnpg-ts/postgresql:15-test';
const CNPG = { group: 'postgresql.cnpg.io', version: 'v1' } as const;

let cp: ControlPlane;
let kc: KubeConfig;
let webhook: Server;
/** Where the pooler managers this test runs for its Pods answer, by Pod name (no kubelet runs them). */
const managers = new Map<string, { host: string; port: number }>();
const managerProcesses: ChildProcess[] = [];
/** PgBouncer and its manager refuse root: they run as `postgres` when the test runs as root. */
const as = unprivileged();
const podDir = ownedTempDir('cnpg-kube-pooler-', as);
let runtime: KubePoolers;

const handout = (poolMode: string): PoolerHandout => ({
  settings: { pool_mode: poolMode, max_client_conn: '1000' },
  target: { host: `pg-rw.${NS}.svc`, port: 5432 },
  hba: [],
  users: [],
  // server_tls_sslmode stays PgBouncer's default here (no PostgreSQL runs): the CA is written, not used.
  serverTLS: { ca: '-----BEGIN CERTIFICATE-----\nMIIBdGVzdA==\n-----END CERTIFICATE-----\n' },
  paused: false,
});

/** A KubeConfig acting as ServiceAccount NAME of NAMESPACE, with a token from the TokenRequest API. */
async function actingAs(namespace: string, name: string): Promise<KubeConfig> {
  const core = kc.makeApiClient(CoreV1Api);
  const request = await core.createNamespacedServiceAccountToken({ namespace, name, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const token = request.status?.token;
  assert.ok(token, `a token for ${namespace}/${name}`);
  const out = new KubeConfig();
  out.loadFromOptions({
    clusters: [{ name: 't', server: cp.server, caFile: cp.caFile }],
    users: [{ name: name, token }],
    contexts: [{ name: 't', cluster: 't', user: name }],
    currentContext: 't',
  });
  return out;
}

/** The operator's identity: ServiceAccount cnpg-manager bound to the release manifest's ClusterRole. */
async function operatorKubeConfig(): Promise<KubeConfig> {
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespacedServiceAccount({ namespace: 'cnpg-system', body: { metadata: { name: 'cnpg-manager' } } });
  const role = parse(readFileSync(join(REPO, 'config/rbac/cluster_role.yaml'), 'utf8')) as V1ClusterRole;
  await rbac.createClusterRole({ body: role });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: 'cnpg-manager' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cnpg-manager' },
      subjects: [{ kind: 'ServiceAccount', name: 'cnpg-manager', namespace: 'cnpg-system' }],
    },
  });
  return actingAs('cnpg-system', 'cnpg-manager');
}

before(async () => {
  cp = await startControlPlane();
  kc = cp.kubeConfig();
  await installCrds(kc);
  const core = kc.makeApiClient(CoreV1Api);
  for (const name of ['cnpg-system', NS]) await core.createNamespace({ body: { metadata: { name } } });
  const port = await freePort();
  const tls = await issueServingCertificate(['127.0.0.1']);
  const store = new KubeStore(kc);
  webhook = await startWebhookServer(port, tls, '127.0.0.1', IMAGE, async (kind, namespace, name) => (await store.get(kind, namespace, name)) !== undefined);
  const caBundle = Buffer.from(tls.caCert).toString('base64');
  await registerWebhooks(kc, port, ['cluster', 'pooler'], caBundle);
  runtime = new KubePoolers(new KubeStore(await operatorKubeConfig()), {
    image: IMAGE,
    operatorImage: 'ghcr.io/cnpg-ts/cnpg-ts:0.1.0',
    managerAddress: (pod) => managers.get(pod.metadata.name) ?? { host: '127.0.0.1', port: 1 },
  });
});

after(async () => {
  for (const child of managerProcesses) child.kill('SIGTERM');
  webhook?.close();
  await cp?.stop();
  removeDir(podDir);
});

const custom = () => kc.makeApiClient(CustomObjectsApi);
const readPooler = async (name: string) => (await custom().getNamespacedCustomObject({ ...CNPG, namespace: NS, plural: 'poolers', name })) as Pooler & { status?: Record<string, unknown> };
async function patchPooler(name: string, spec: Record<string, unknown>, subresource?: 'scale'): Promise<void> {
  const r = await kubectl(['patch', 'pooler', name, '-n', NS, '--type=merge', '-p', JSON.stringify({ spec }), ...(subresource ? [`--subresource=${subresource}`] : [])]);
  assert.equal(r.code, 0, r.stderr);
}

async function kubectl(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = exec(cp.kubectl, ['--kubeconfig', cp.kubeconfigPath, ...args]);
  if (input !== undefined) child.child.stdin?.end(input);
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (e) {
    const failed = e as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

const poolerYaml = (name: string, extra = '', cluster = 'pg') => `apiVersion: postgresql.cnpg.io/v1
kind: Pooler
metadata:
  name: ${name}
  namespace: ${NS}
spec:
  cluster:
    name: ${cluster}
  instances: 1
  type: rw
  pgbouncer:
    poolMode: session
${extra}`;

async function refusedStatus(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
  } catch (e) {
    const body = String((e as { body?: unknown }).body ?? '');
    try {
      return String((JSON.parse(body) as { message?: unknown }).message);
    } catch {
      return body || (e as Error).message;
    }
  }
  throw new Error('the API server accepted it');
}

test('kubectl apply of a Pooler with a PgBouncer parameter the operator owns, or one that is unknown, is refused with its field path', async () => {
  const owned = await kubectl(['apply', '-f', '-'], poolerYaml('bad-param', '    parameters:\n      max_client_conn: "1000"\n      listen_port: "6432"\n'));
  assert.notEqual(owned.code, 0);
  assert.match(owned.stderr, /Pooler\/bad-param: spec\.pgbouncer\.parameters\.listen_port: parameter "listen_port" is managed by the operator and cannot be set: the pooler listens on 5432/);
  const unknown = await kubectl(['apply', '-f', '-'], poolerYaml('bad-param', '    parameters:\n      max_client_con: "1000"\n'));
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /spec\.pgbouncer\.parameters\.max_client_con: "max_client_con" is not a PgBouncer parameter a Pooler may set, did you mean "max_client_conn"\? \(allowed: application_name_add_host, /);
  const listed = await kubectl(['get', 'poolers', '-n', NS, '-o', 'name']);
  assert.equal(listed.stdout.trim(), '', 'nothing was stored');
});

test('a Pooler may not take the name of a Cluster of its namespace, nor a new Cluster the name of a Pooler', async () => {
  const cluster = (name: string) => ({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name }, spec: { instances: 1, storage: { size: '1Gi' } } });
  await custom().createNamespacedCustomObject({ ...CNPG, namespace: NS, plural: 'clusters', body: cluster('pg') });
  // A Pooler named like a Cluster it does not even point at.
  const named = await kubectl(['apply', '-f', '-'], poolerYaml('pg', '', 'another'));
  assert.notEqual(named.code, 0);
  assert.match(named.stderr, /Pooler\/pg: metadata\.name: a Cluster named "pg" exists in namespace "poolers"/);
  assert.equal((await kubectl(['apply', '-f', '-'], poolerYaml('pg-pooler'))).code, 0);
  const reverse = await refusedStatus(() => custom().createNamespacedCustomObject({ ...CNPG, namespace: NS, plural: 'clusters', body: cluster('pg-pooler') }));
  assert.match(reverse, /Cluster\/pg-pooler: metadata\.name: a Pooler named "pg-pooler" exists in namespace "poolers"/);
  // Another namespace is another scope.
  await custom().createNamespacedCustomObject({ ...CNPG, namespace: 'default', plural: 'clusters', body: cluster('pg-pooler') });
});

interface Deployment {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string>; resourceVersion?: string; ownerReferences?: { kind: string; name: string }[] };
  spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> }; template?: { metadata?: { labels?: Record<string, string> }; spec?: unknown } };
}

/** The client's model classes as the plain JSON they came from. */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

const POOLER_LABELS = { 'cnpg.io/cluster': 'pg', 'cnpg.io/poolerName': 'pg-pooler', 'cnpg.io/podRole': 'pooler', 'app.kubernetes.io/component': 'pooler' };

async function objectsOf(name: string) {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  return {
    deployment: (await apps.readNamespacedDeployment({ namespace: NS, name })) as Deployment,
    service: await core.readNamespacedService({ namespace: NS, name }),
    account: await core.readNamespacedServiceAccount({ namespace: NS, name }),
    role: await rbac.readNamespacedRole({ namespace: NS, name }),
    binding: await rbac.readNamespacedRoleBinding({ namespace: NS, name }),
    secret: await core.readNamespacedSecret({ namespace: NS, name: `${name}-config` }),
  };
}

test('with the operator’s RBAC, apply makes the Deployment, Service, ServiceAccount, Role, RoleBinding and config Secret; a second apply writes nothing', async () => {
  const pooler = await readPooler('pg-pooler');
  await runtime.apply(pooler, handout('session'));
  const o = await objectsOf('pg-pooler');
  for (const [what, meta] of Object.entries({ deployment: o.deployment.metadata, service: o.service.metadata, account: o.account.metadata, role: o.role.metadata, binding: o.binding.metadata, secret: o.secret.metadata })) {
    for (const [k, v] of Object.entries(POOLER_LABELS)) assert.equal(meta?.labels?.[k], v, `${what}: ${k}`);
    assert.deepEqual(meta?.ownerReferences?.map((r) => `${r.kind}/${r.name}`), ['Pooler/pg-pooler'], `${what}: owned by the Pooler`);
  }
  assert.match(o.deployment.metadata.annotations?.['cnpg.io/poolerSpecHash'] ?? '', /^[0-9a-f]{16}$/);
  assert.equal(o.deployment.spec?.replicas, 1);
  assert.deepEqual(o.deployment.spec?.selector?.matchLabels, { 'cnpg.io/poolerName': 'pg-pooler' });
  for (const [k, v] of Object.entries(POOLER_LABELS)) assert.equal(o.deployment.spec?.template?.metadata?.labels?.[k], v, `Pod template: ${k}`);
  const pod = o.deployment.spec?.template?.spec as { serviceAccountName: string; containers: { name: string; image: string; ports: { name: string; containerPort: number }[] }[] };
  assert.equal(pod.serviceAccountName, 'pg-pooler');
  assert.deepEqual(pod.containers.map((c) => [c.name, c.image, c.ports.map((p) => `${p.name}:${p.containerPort}`).join(',')]), [['pgbouncer', IMAGE, 'pgbouncer:5432,metrics:9127']]);
  assert.deepEqual(o.service.spec?.ports?.map((p) => [p.name, p.port, p.targetPort]), [['pgbouncer', 5432, 'pgbouncer']]);
  assert.deepEqual(o.service.spec?.selector, { 'cnpg.io/poolerName': 'pg-pooler' });
  assert.ok(o.service.spec?.clusterIP, 'the API server gave the Service an address');
  assert.deepEqual(plain(o.binding.subjects), [{ kind: 'ServiceAccount', name: 'pg-pooler', namespace: NS }]);
  assert.deepEqual(JSON.parse(Buffer.from(o.secret.data?.['handout.json'] ?? '', 'base64').toString()), handout('session'));
  assert.deepEqual(await runtime.address(pooler), { host: `pg-pooler.${NS}.svc`, port: 5432 });

  const versions = (x: Awaited<ReturnType<typeof objectsOf>>) => [x.deployment, x.service, x.account, x.role, x.binding, x.secret].map((y) => y.metadata?.resourceVersion);
  await runtime.apply(pooler, handout('session'));
  assert.deepEqual(versions(await objectsOf('pg-pooler')), versions(o), 'nothing written when nothing changed');
});

test('a spec change (poolMode, instances) updates the Deployment and the handout; the Pod template, and so the running Pods, stay', async () => {
  const before = await objectsOf('pg-pooler');
  await patchPooler('pg-pooler', { instances: 3, pgbouncer: { poolMode: 'transaction' } });
  const pooler = await readPooler('pg-pooler');
  assert.equal(pooler.spec.pgbouncer.poolMode, 'transaction');
  await runtime.apply(pooler, handout('transaction'));
  const after = await objectsOf('pg-pooler');
  assert.equal(after.deployment.spec?.replicas, 3);
  assert.notEqual(after.deployment.metadata.annotations?.['cnpg.io/poolerSpecHash'], before.deployment.metadata.annotations?.['cnpg.io/poolerSpecHash']);
  assert.deepEqual(after.deployment.spec?.template, before.deployment.spec?.template, 'a new poolMode reaches PgBouncer through the Secret, without a rollout');
  assert.equal(JSON.parse(Buffer.from(after.secret.data?.['handout.json'] ?? '', 'base64').toString()).settings.pool_mode, 'transaction');
  assert.equal(after.service.spec?.clusterIP, before.service.spec?.clusterIP, 'the Service keeps its address');

  await patchPooler('pg-pooler', { template: { metadata: { labels: { team: 'payments' } }, spec: { containers: [{ name: 'pgbouncer', resources: { limits: { memory: '256Mi' } } }] } } });
  await runtime.apply(await readPooler('pg-pooler'), handout('transaction'));
  const templated = await objectsOf('pg-pooler');
  assert.equal(templated.deployment.spec?.template?.metadata?.labels?.team, 'payments');
  const container = (templated.deployment.spec?.template?.spec as { containers: { name: string; resources?: unknown }[] }).containers[0];
  assert.deepEqual(plain(container?.resources), { limits: { memory: '256Mi' } });
});

test('kubectl scale pooler and a PATCH of /scale set spec.instances; /scale reads status.instances; kubectl get shows the Phase column', async () => {
  const scaled = await kubectl(['scale', 'pooler/pg-pooler', '-n', NS, '--replicas=2']);
  assert.equal(scaled.code, 0, scaled.stderr);
  assert.equal((await readPooler('pg-pooler')).spec.instances, 2);
  await patchPooler('pg-pooler', { replicas: 4 }, 'scale');
  assert.equal((await readPooler('pg-pooler')).spec.instances, 4);
  await new KubeStore(kc).updateStatus('Pooler', NS, 'pg-pooler', { instances: 4, phase: 'active' });
  const scale = (await custom().getNamespacedCustomObjectScale({ ...CNPG, namespace: NS, plural: 'poolers', name: 'pg-pooler' })) as { spec?: { replicas?: number }; status?: { replicas?: number } };
  assert.deepEqual([scale.spec?.replicas, scale.status?.replicas], [4, 4]);
  const listed = await kubectl(['get', 'pooler', 'pg-pooler', '-n', NS]);
  assert.match(listed.stdout, /^NAME\s+AGE\s+CLUSTER\s+TYPE\s+PHASE\n/);
  assert.match(listed.stdout, /pg-pooler\s+\S+\s+pg\s+rw\s+active/);
  await runtime.apply(await readPooler('pg-pooler'), handout('transaction'));
  assert.equal((await objectsOf('pg-pooler')).deployment.spec?.replicas, 4);
});

test('the pooler’s ServiceAccount may get and watch its config Secret and its Pooler, and read nothing else', async () => {
  const asPooler = await actingAs(NS, 'pg-pooler');
  const core = asPooler.makeApiClient(CoreV1Api);
  const secret = await core.readNamespacedSecret({ namespace: NS, name: 'pg-pooler-config' });
  assert.ok(secret.data?.['handout.json']);
  await kc.makeApiClient(CoreV1Api).createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'pg-superuser' }, stringData: { password: 'secret' } } });
  const forbidden = async (call: () => Promise<unknown>) => {
    await assert.rejects(call, (e: unknown) => e instanceof ApiException && e.code === 403);
  };
  await forbidden(() => core.readNamespacedSecret({ namespace: NS, name: 'pg-superuser' }));
  await forbidden(() => core.listNamespacedSecret({ namespace: NS }));
  await forbidden(() => core.deleteNamespacedSecret({ namespace: NS, name: 'pg-pooler-config' }));
  const pooler = (await asPooler.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ ...CNPG, namespace: NS, plural: 'poolers', name: 'pg-pooler' })) as Pooler;
  assert.equal(pooler.metadata.name, 'pg-pooler');
  // A watch of the one Secret, as the manager's kube-Secret source keeps it: authorised by name.
  const events = await new Promise<string[]>((resolve, reject) => {
    const seen: string[] = [];
    new Watch(asPooler)
      .watch(
        `/api/v1/namespaces/${NS}/secrets`,
        { fieldSelector: 'metadata.name=pg-pooler-config', timeoutSeconds: 1 },
        (type: string, obj: { metadata?: { name?: string } }) => seen.push(`${type} ${obj.metadata?.name}`),
        (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(seen)),
      )
      .catch(reject);
  });
  assert.deepEqual(events, ['ADDED pg-pooler-config']);
});

test('spec.monitoring.enablePodMonitor makes CloudNativePG’s PodMonitor once the Prometheus operator’s CRD is there, and taking it back removes it', async () => {
  await runtime.apply(await readPooler('pg-pooler'), handout('transaction'));
  await installPodMonitorCrd(kc);
  const monitor = () => custom().getNamespacedCustomObject({ group: 'monitoring.coreos.com', version: 'v1', namespace: NS, plural: 'podmonitors', name: 'pg-pooler' }) as Promise<{ spec: unknown; metadata: { labels?: Record<string, string> } }>;
  await patchPooler('pg-pooler', { monitoring: { enablePodMonitor: true } });
  // The API server may still be catching up with the new kind: apply until it is made.
  await eventually('the PodMonitor', async () => {
    await runtime.apply(await readPooler('pg-pooler'), handout('transaction'));
    return monitor();
  }, 30_000);
  const made = await monitor();
  assert.deepEqual(made.spec, { selector: { matchLabels: { 'cnpg.io/poolerName': 'pg-pooler', 'cnpg.io/podRole': 'pooler' } }, podMetricsEndpoints: [{ port: 'metrics' }] });
  assert.equal(made.metadata.labels?.['cnpg.io/poolerName'], 'pg-pooler');
  await patchPooler('pg-pooler', { monitoring: { enablePodMonitor: false } });
  await runtime.apply(await readPooler('pg-pooler'), handout('transaction'));
  await assert.rejects(monitor, (e: unknown) => e instanceof ApiException && e.code === 404);
});

/**
 * Plays the kubelet for Pod NAME of the pooler: runs the real pooler manager (and PgBouncer) with the
 * arguments of the Deployment's container, only its folder, ports and addresses made local, and the
 * pooler's own ServiceAccount token as its credentials, as a Pod's mounted token would be.
 */
async function runPoolerPod(name: string, containerArgs: string[]): Promise<void> {
  const [port, httpPort] = [await freePort(), await freePort()];
  const local: Record<string, string> = { '--run-dir': join(podDir, name), '--port': String(port), '--listen-addr': '127.0.0.1', '--http-port': String(httpPort), '--http-addr': '127.0.0.1' };
  const args = containerArgs.map((arg, i) => local[containerArgs[i - 1] ?? ''] ?? arg);
  const token = (await actingAs(NS, 'pg-pooler')).getCurrentUser()?.token;
  const kubeconfig = join(podDir, `${name}.kubeconfig`);
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 't', cluster: { server: cp.server, 'certificate-authority-data': readFileSync(cp.caFile).toString('base64') } }],
      users: [{ name: 'pooler', user: { token } }],
      contexts: [{ name: 't', context: { cluster: 't', user: 'pooler' } }],
      'current-context': 't',
    }),
    { mode: 0o600 },
  );
  if (as.uid !== undefined) chownSync(kubeconfig, as.uid, as.gid!);
  const out = openSync(join(podDir, `${name}.log`), 'a');
  const child = spawn(process.execPath, [POOLER_MAIN, ...args], { uid: as.uid, gid: as.gid, env: { ...process.env, KUBECONFIG: kubeconfig }, stdio: ['ignore', out, out] });
  managerProcesses.push(child);
  managers.set(name, { host: '127.0.0.1', port: httpPort });
}

test('a pooler Pod’s real manager reads its handout from the config Secret with the pooler’s own rights; observe follows it through a spec change', async () => {
  const core = kc.makeApiClient(CoreV1Api);
  const { deployment } = await objectsOf('pg-pooler');
  const template = deployment.spec?.template as { metadata: { labels: Record<string, string> }; spec: { containers: { name: string; args: string[] }[] } };
  const args = template.spec.containers[0]!.args;
  assert.deepEqual(args.filter((a) => a.startsWith('--')), ['--run-dir', '--port', '--listen-addr', '--http-port', '--http-addr', '--handout-secret', '--namespace']);
  // As the Deployment controller and scheduler would: one Pod from the template, and one not running yet.
  for (const name of ['pg-pooler-a', 'pg-pooler-b']) {
    await core.createNamespacedPod({ namespace: NS, body: { metadata: { name, labels: template.metadata.labels }, spec: { containers: [{ name: 'pgbouncer', image: IMAGE }] } } });
  }
  const pod = await core.readNamespacedPod({ namespace: NS, name: 'pg-pooler-a' });
  await core.replaceNamespacedPodStatus({ namespace: NS, name: 'pg-pooler-a', body: { ...pod, status: { phase: 'Running', podIP: '10.1.0.7', podIPs: [{ ip: '10.1.0.7' }] } } });
  await runPoolerPod('pg-pooler-a', args);

  const byName = async () => (await runtime.observe(await readPooler('pg-pooler'))).sort((a, b) => a.name.localeCompare(b.name));
  const given = handout('transaction');
  await eventually('the manager running the handout of the Secret', async () => ((await byName())[0]?.appliedHash === handoutHash(given) ? true : undefined), 30_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${readFileSync(join(podDir, 'pg-pooler-a.log'), 'utf8')}`);
  });
  assert.deepEqual(await byName(), [
    { name: 'pg-pooler-a', ready: true, paused: false, appliedHash: handoutHash(given) },
    { name: 'pg-pooler-b', ready: false, paused: false },
  ]);

  // A new handout reaches the running manager through its watch of the Secret (PgBouncer RELOADs).
  const paused = { ...handout('session'), paused: true };
  await runtime.apply(await readPooler('pg-pooler'), paused);
  await eventually('the new handout applied and PgBouncer paused', async () => {
    const [a] = await byName();
    return a?.appliedHash === handoutHash(paused) && a.paused ? true : undefined;
  }, 30_000);

  // A spec change not yet applied: the Deployment is not made from it, so no instance is current.
  await patchPooler('pg-pooler', { deploymentStrategy: { type: 'Recreate' } });
  assert.deepEqual((await byName())[0], { name: 'pg-pooler-a', ready: true, paused: true }, 'no appliedHash while the Deployment has the old strategy');
  await runtime.apply(await readPooler('pg-pooler'), paused);
  assert.equal(((await objectsOf('pg-pooler')).deployment.spec as { strategy?: { type?: string } }).strategy?.type, 'Recreate');
  assert.equal((await byName())[0]?.appliedHash, handoutHash(paused));

  // A RoleBinding deleted by hand: not current until apply makes it again.
  await kc.makeApiClient(RbacAuthorizationV1Api).deleteNamespacedRoleBinding({ namespace: NS, name: 'pg-pooler' });
  assert.equal((await byName())[0]?.appliedHash, undefined);
  await runtime.apply(await readPooler('pg-pooler'), paused);
  assert.equal((await byName())[0]?.appliedHash, handoutHash(paused));
});

test('apply never replaces an object of the pooler’s names that is not the pooler’s, such as a Cluster’s -rw Service', async () => {
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespacedService({ namespace: NS, body: { metadata: { name: 'pg-rw', labels: { 'cnpg.io/cluster': 'pg' } }, spec: { ports: [{ name: 'postgres', port: 5432 }], selector: { 'cnpg.io/instanceRole': 'primary' } } } });
  await kubectl(['apply', '-f', '-'], poolerYaml('pg-rw'));
  await assert.rejects(runtime.apply(await readPooler('pg-rw'), handout('session')), /Service pg-rw already exists in namespace poolers and is not Pooler pg-rw's; rename the Pooler or remove that Service/);
  const service = await core.readNamespacedService({ namespace: NS, name: 'pg-rw' });
  assert.deepEqual(service.spec?.selector, { 'cnpg.io/instanceRole': 'primary' }, 'the Cluster’s Service is untouched');
  await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace: NS, name: 'pg-rw' }).then(
    () => assert.fail('no Deployment was to be made'),
    (e: unknown) => assert.ok(e instanceof ApiException && e.code === 404),
  );
});

test('remove deletes every object apply made', async () => {
  const pooler = await readPooler('pg-pooler');
  await runtime.remove(pooler);
  await assert.rejects(() => objectsOf('pg-pooler'), (e: unknown) => e instanceof ApiException && e.code === 404);
  const core = kc.makeApiClient(CoreV1Api);
  for (const read of [
    () => core.readNamespacedService({ namespace: NS, name: 'pg-pooler' }),
    () => core.readNamespacedServiceAccount({ namespace: NS, name: 'pg-pooler' }),
    () => core.readNamespacedSecret({ namespace: NS, name: 'pg-pooler-config' }),
    () => kc.makeApiClient(RbacAuthorizationV1Api).readNamespacedRole({ namespace: NS, name: 'pg-pooler' }),
    () => kc.makeApiClient(RbacAuthorizationV1Api).readNamespacedRoleBinding({ namespace: NS, name: 'pg-pooler' }),
  ]) {
    await assert.rejects(read, (e: unknown) => e instanceof ApiException && e.code === 404);
  }
});
