// kubectl's forms with `kubectl` replaced by `cnpg`, as the seeds write them: global flags on
// either side of the verb, the kinds kubectl users look at (pvc, deployment, events), rollout
// status, create secret --dry-run, and the plugin's verbs refusing what does not exist.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, TestEnv } from './support/env.js';

const env = new TestEnv();
const CLUSTER = `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: platform-pg
  namespace: data
spec:
  instances: 1
  storage:
    size: 1Gi
`;

before(async () => {
  await env.ok(['create', 'namespace', 'data']);
  await env.ok(['apply', '-f', '-'], CLUSTER);
  await env.ok(['wait', '--for=condition=Ready', 'cluster/platform-pg', '-n', 'data', '--timeout=120s'], undefined, 150_000);
});
after(() => env.cleanup());

test("seed 002's kubectl lines run as written with kubectl replaced by cnpg", async () => {
  const lines: string[][] = [
    ['apply', '--server-side', '-f', 'https://raw.githubusercontent.com/cloudnative-pg/cloudnative-pg/release-1.25/releases/cnpg-1.25.0.yaml'],
    ['-n', 'cnpg-system', 'rollout', 'status', 'deployment/cnpg-controller-manager'],
    ['-n', 'data', 'get', 'cluster', 'platform-pg'],
    ['-n', 'data', 'get', 'svc', '-l', 'cnpg.io/cluster=platform-pg'],
    ['-n', 'data', 'get', 'secret', 'platform-pg-app', '-o', 'jsonpath={.data.uri}'],
    ['cnpg', 'psql', 'platform-pg', '-n', 'data', '--', '-c', 'SELECT 1'],
    ['-n', 'data', 'get', 'pvc'],
    ['cnpg', 'status', 'platform-pg', '-n', 'data'],
    ['wait', '--for=condition=Available', 'deployment/cnpg-controller-manager', '-n', 'cnpg-system', '--timeout=120s'],
    ['get', 'deployment', '-n', 'cnpg-system'],
  ];
  for (const args of lines) {
    const r = await env.run(args);
    assert.equal(r.code, 0, `cnpg ${args.join(' ')}\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, /unknown option|error/i, `cnpg ${args.join(' ')}`);
  }
});

test('-n before or after the verb, --context and --kubeconfig accepted with a note', async () => {
  for (const args of [['-n', 'data', 'get', 'clusters'], ['get', 'clusters', '-n', 'data'], ['get', '-n', 'data', 'clusters'], ['--namespace=data', 'get', 'clusters']]) {
    assert.match(await env.ok(args), /^NAME\s+AGE\s+INSTANCES\s+READY\s+STATUS\s+PRIMARY\nplatform-pg\s+\S+\s+1\s+1\s+Cluster in healthy state\s+platform-pg-1\n$/, args.join(' '));
  }
  for (const args of [['-A', 'get', 'pvc'], ['get', 'pvc', '-A'], ['get', '--all-namespaces', 'pvc']]) {
    assert.match(await env.ok(args), /^NAMESPACE\s+NAME\s+STATUS[^\n]*\ndata\s+platform-pg-1\s+Bound/, args.join(' '));
  }
  const r = await env.run(['--context', 'kind-kind', '--kubeconfig', '/nowhere', '-n', 'data', 'get', 'cluster', 'platform-pg', '-o', 'name']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'cluster.postgresql.cnpg.io/platform-pg\n');
  assert.match(r.stderr, /note: --context is ignored in local mode/);
  assert.match(r.stderr, /note: --kubeconfig is ignored in local mode/);
});

test('get pvc shows each instance data directory as a Bound claim', async () => {
  const out = await env.ok(['get', 'pvc', '-n', 'data']);
  assert.match(out, /^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+AGE\n/);
  assert.match(out, new RegExp(`platform-pg-1\\s+Bound\\s+${env.home}/\\S+/pgdata\\s+1Gi\\s+RWO`));
  for (const word of ['persistentvolumeclaims', 'persistentvolumeclaim', 'pvcs']) {
    assert.equal((await env.run(['get', word, '-n', 'data', '-o', 'name'])).stdout, 'persistentvolumeclaim/platform-pg-1\n', word);
  }
});

test('get deployment: the operator in cnpg-system, none elsewhere', async () => {
  assert.match(await env.ok(['get', 'deployments', '-n', 'cnpg-system']), /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\ncnpg-controller-manager\s+1\/1\s+1\s+1\s+/);
  const r = await env.run(['get', 'deploy', '-n', 'data']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^No resources found in data namespace\.\n$/);
});

test("get events: kubectl's columns, oldest first, --field-selector on the involved object", async () => {
  const out = await env.ok(['get', 'events', '-n', 'data']);
  const [header, ...rows] = out.trimEnd().split('\n');
  assert.match(header ?? '', /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
  assert.ok(rows.some((r) => /Normal\s+CreatingInstance\s+cluster\/platform-pg\s+Primary instance platform-pg-1/.test(r)), out);
  const selected = await env.ok(['get', 'events', '-A', '--field-selector', 'involvedObject.name=platform-pg,reason=CreatingInstance']);
  assert.match(selected, /^NAMESPACE\s+LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\ndata\s+\S+\s+Normal\s+CreatingInstance\s+cluster\/platform-pg/);
  const none = await env.run(['get', 'events', '-n', 'data', '--field-selector', 'involvedObject.name=nope']);
  assert.equal(none.code, 0);
  assert.match(none.stderr, /No resources found in data namespace/);
});

test('unknown resource types get kubectl\'s error', async () => {
  for (const word of ['statefulsets', 'ingress', 'nodes']) {
    const r = await env.run(['get', word]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `error: the server doesn't have a resource type "${word}"\n`);
  }
});

test('rollout status: a Cluster until Ready, refused for kinds that do not roll out', async () => {
  assert.equal(await env.ok(['rollout', 'status', 'cluster/platform-pg', '-n', 'data']), 'cluster "platform-pg" successfully rolled out\n');
  const r = await env.run(['rollout', 'status', 'secret/platform-pg-app', '-n', 'data']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no status viewer has been implemented for Secret \(local rollouts: cluster, deployment\)/);
  assert.match((await env.run(['rollout', 'status', 'cluster/nope', '-n', 'data'])).stderr, /not found/);
});

test('create secret --dry-run=client -o yaml prints the Secret and creates nothing', async () => {
  const yaml = await env.ok(['create', 'secret', 'generic', 'app-user-secret', '--from-literal=username=app_user', '--from-literal=password=supersecurepassword', '-n', 'data', '--dry-run=client', '-o', 'yaml']);
  assert.equal(yaml, 'apiVersion: v1\ndata:\n  password: c3VwZXJzZWN1cmVwYXNzd29yZA==\n  username: YXBwX3VzZXI=\nkind: Secret\nmetadata:\n  name: app-user-secret\n  namespace: data\n');
  assert.equal((await env.run(['get', 'secret', 'app-user-secret', '-n', 'data'])).code, 1, 'a dry run created the Secret');
  const json = JSON.parse(await env.ok(['create', 'secret', 'generic', 'x', '--from-literal=a=b', '--dry-run=client', '-o', 'json'])) as { data: Record<string, string> };
  assert.deepEqual(json.data, { a: 'Yg==' });
  assert.equal(await env.ok(['create', 'secret', 'generic', 'x', '--from-literal=a=b', '--dry-run']), 'secret/x created (dry run)\n');
  // The printed manifest applies as it is, the usual `| kubectl apply -f -`.
  assert.equal(await env.ok(['apply', '-f', '-'], yaml), 'secret/app-user-secret created\n');
  const bad = await env.run(['create', 'secret', 'generic', 'y', '--from-literal=bad key=1', '--dry-run=client', '-o', 'yaml']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /Secret\/y: data/);
});

test('fencing an instance the cluster does not have is refused, by the CLI and by the local API', async () => {
  const r = await env.run(['fencing', 'on', 'platform-pg', 'platform-pg-9', '-n', 'data']);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /instance platform-pg-9 is not part of cluster platform-pg \(instances: platform-pg-1; "\*" stands for all of them\)/);
  const cluster = await env.json<{ metadata: { annotations?: Record<string, string> } }>(['get', 'cluster', 'platform-pg', '-n', 'data']);
  assert.equal(cluster.metadata.annotations?.['cnpg.io/fencedInstances'], undefined);
  assert.equal((await env.run(['fencing', 'on', 'nope', 'nope-1', '-n', 'data'])).code, 1);
  // The operator's API refuses it too, whoever writes the annotation.
  const annotated = await env.run(['annotate', 'cluster', 'platform-pg', '-n', 'data', 'cnpg.io/fencedInstances=["platform-pg-9"]']);
  assert.equal(annotated.code, 1);
  assert.match(annotated.stderr, /Cluster\/platform-pg: metadata\.annotations\[cnpg\.io\/fencedInstances\]: "platform-pg-9" is not an instance of this cluster \(instances: platform-pg-1;/);
});

test("logs: a cluster that does not exist is an error; kubectl's pod forms name the pod", async () => {
  const r = await env.run(['logs', 'cluster', 'nope', '-n', 'data']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /clusters "nope" not found/);
  for (const args of [['logs', 'pod', 'platform-pg-1'], ['logs', 'pod/platform-pg-1'], ['logs', 'platform-pg-1']]) {
    const out = await env.run([...args, '-n', 'data', '--tail', '5']);
    assert.equal(out.code, 0, `${args.join(' ')}: ${out.stderr}`);
    assert.match(out.stdout, /ready to accept connections|accepting connections|LOG:/, args.join(' '));
  }
  assert.match((await env.run(['logs', 'pod', 'nope-1', '-n', 'data'])).stderr, /pods "nope-1" not found/);
});

test('wait with a condition the kind does not have is refused at once', async () => {
  const started = Date.now();
  const r = await env.run(['wait', '--for=condition=Healthy', 'cluster/platform-pg', '-n', 'data', '--timeout=60s']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Cluster has no condition "Healthy" \(allowed: Ready, ContinuousArchiving, LastBackupSucceeded\)/);
  assert.ok(Date.now() - started < 20_000, 'it waited');
});

test('patch and annotate show the warnings apply shows; a wrong hibernation value is refused', async () => {
  const r = await env.run(['patch', 'cluster', 'platform-pg', '-n', 'data', '--type', 'merge', '-p', '{"spec":{"monitoring":{"tls":{"enabled":true}}}}']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, 'Warning: Cluster/platform-pg: spec.monitoring.tls: accepted, not acted on yet\n');
  const a = await env.run(['annotate', 'cluster', 'platform-pg', '-n', 'data', 'cnpg.io/hibernation=true']);
  assert.notEqual(a.code, 0);
  assert.match(a.stderr, /metadata\.annotations\[cnpg\.io\/hibernation\]: must be "on" or "off" \(got "true"\)/);
  const applied = await env.run(['apply', '-f', '-'], CLUSTER.replace('  namespace: data\n', '  namespace: data\n  annotations:\n    cnpg.io/reconciliationLoop: disabled\n'));
  assert.match(applied.stderr, /Warning: Cluster\/platform-pg: metadata\.annotations\[cnpg\.io\/reconciliationLoop\]: accepted, not acted on yet/);
});

test('YAML bombs are refused through the CLI with their location, also with -n', async () => {
  for (const [file, message] of [
    ['yaml-alias-bomb.yaml', /\(document 1\): line 8, column 10: YAML aliases expand to more than 100 copies/],
    ['yaml-deep-nesting.yaml', /\(document 1\): line 7, column 104: YAML nested more than 100 levels deep/],
  ] as const) {
    const r = await env.run(['apply', '-n', 'data', '-f', join(REPO, 'test/fixtures/invalid', file)]);
    assert.equal(r.code, 1, file);
    assert.match(r.stderr, message, file);
    assert.doesNotMatch(r.stderr, /Maximum call stack|Excessive alias count/, file);
  }
});

test('a patch nested 20 000 levels deep is refused by the CLI and by the local API, naming the object', async () => {
  let deep = '1';
  for (let i = 0; i < 20_000; i++) deep = `{"a":${deep}}`;
  const r = await env.run(['patch', 'cluster', 'platform-pg', '-n', 'data', '--type', 'merge', '-p', `{"spec":${deep}}`]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Cluster\/platform-pg: the patch is nested more than 100 levels deep; no object needs that many, so nothing was changed/);
  const { port, token } = JSON.parse(readFileSync(join(env.home, 'operator.json'), 'utf8')) as { port: number; token: string };
  const res = await fetch(`http://127.0.0.1:${port}/patch?kind=Cluster&namespace=data&name=platform-pg`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: `{"patch":{"spec":${deep}}}` });
  assert.equal(res.status, 422);
  assert.match(((await res.json()) as { error: string }).error, /the patch is nested more than 100 levels deep/);
});
