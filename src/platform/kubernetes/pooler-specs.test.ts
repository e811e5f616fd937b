import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPooler, validateObject, type Pooler } from '../../api/index.js';
import { HANDOUT_SECRET_KEY, type PoolerHandout } from '../../pgbouncer/handout.js';
import { poolerDeployment, poolerObjects, poolerPodMonitor, poolerRole, poolerRoleBinding, poolerService, poolerSpecHash } from './pooler-specs.js';

const IMAGES = { operand: 'example/postgresql:15-x', operator: 'example/cnpg-ts:1' };

function pooler(spec: Record<string, unknown> = {}, name = 'pg-pooler'): Pooler {
  const { resource } = validateObject({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Pooler', metadata: { name, namespace: 'data', uid: 'u-1' }, spec: { cluster: { name: 'pg' }, ...spec } }, 'kubernetes');
  assert.ok(isPooler(resource));
  return resource;
}

const handout: PoolerHandout = { settings: { pool_mode: 'transaction' }, target: { host: 'pg-rw.data.svc', port: 5432 }, hba: [], users: [], serverTLS: { ca: 'CA' }, paused: false };

interface Container {
  name: string;
  image?: string;
  env?: { name: string; value?: string }[];
  ports?: { name: string; containerPort: number }[];
  resources?: unknown;
}
const podSpecOf = (deployment: ReturnType<typeof poolerDeployment>) => (deployment.spec as { template: { metadata: { labels: Record<string, string> }; spec: { containers: Container[]; serviceAccountName: string } } }).template;

test('the objects of a pooler, named after it, with CloudNativePG’s labels and owner', () => {
  const objects = poolerObjects(pooler(), handout, IMAGES);
  assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata.name}`), ['Secret/pg-pooler-config', 'ServiceAccount/pg-pooler', 'Role/pg-pooler', 'RoleBinding/pg-pooler', 'Service/pg-pooler', 'Deployment/pg-pooler']);
  for (const o of objects) {
    assert.equal(o.metadata.namespace, 'data');
    assert.deepEqual(o.metadata.ownerReferences, [{ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Pooler', name: 'pg-pooler', uid: 'u-1', controller: true }]);
    for (const [k, v] of Object.entries({ 'cnpg.io/cluster': 'pg', 'cnpg.io/poolerName': 'pg-pooler', 'cnpg.io/podRole': 'pooler', 'app.kubernetes.io/component': 'pooler' })) assert.equal(o.metadata.labels?.[k], v, `${o.kind} ${k}`);
  }
  const secret = objects[0]!;
  assert.deepEqual(JSON.parse(Buffer.from(secret.data?.[HANDOUT_SECRET_KEY] ?? '', 'base64').toString()), handout);
});

test('the Deployment: replicas, selector, pgbouncer container with ports 5432 and 9127, spec hash annotation', () => {
  const d = poolerDeployment(pooler({ instances: 3 }), IMAGES);
  const spec = d.spec as { replicas: number; selector: unknown; strategy?: unknown };
  assert.equal(spec.replicas, 3);
  assert.deepEqual(spec.selector, { matchLabels: { 'cnpg.io/poolerName': 'pg-pooler' } });
  assert.equal(spec.strategy, undefined);
  assert.equal(d.metadata.annotations?.['cnpg.io/poolerSpecHash'], poolerSpecHash(pooler({ instances: 3 }), IMAGES));
  const template = podSpecOf(d);
  assert.equal(template.metadata.labels['cnpg.io/podRole'], 'pooler');
  const [container] = template.spec.containers;
  assert.equal(container?.name, 'pgbouncer');
  assert.equal(container?.image, IMAGES.operand);
  assert.deepEqual(container?.ports?.map((p) => `${p.name}:${p.containerPort}`), ['pgbouncer:5432', 'metrics:9127']);
  assert.equal(template.spec.serviceAccountName, 'pg-pooler');
});

test('spec.template is merged: the user’s resources, sidecar and labels kept, the operator’s ports and identity forced', () => {
  const d = poolerDeployment(
    pooler({
      template: {
        metadata: { labels: { team: 'a', 'cnpg.io/poolerName': 'spoofed' } },
        spec: {
          containers: [
            { name: 'pgbouncer', resources: { limits: { cpu: '1' } }, env: [{ name: 'POOLER_NAME', value: 'spoofed' }, { name: 'EXTRA', value: '1' }] },
            { name: 'sidecar', image: 'busybox' },
          ],
        },
      },
      deploymentStrategy: { type: 'Recreate' },
    }),
    IMAGES,
  );
  const template = podSpecOf(d);
  assert.equal(template.metadata.labels.team, 'a');
  assert.equal(template.metadata.labels['cnpg.io/poolerName'], 'pg-pooler');
  assert.deepEqual(template.spec.containers.map((c) => c.name), ['pgbouncer', 'sidecar']);
  const pgbouncer = template.spec.containers[0]!;
  assert.deepEqual(pgbouncer.resources, { limits: { cpu: '1' } });
  assert.equal(pgbouncer.env?.find((e) => e.name === 'POOLER_NAME')?.value, 'pg-pooler');
  assert.equal(pgbouncer.env?.find((e) => e.name === 'EXTRA')?.value, '1');
  assert.deepEqual((d.spec as { strategy: unknown }).strategy, { type: 'Recreate' });
});

test('the Service: port 5432 named pgbouncer selecting the pooler’s Pods, serviceTemplate merged', () => {
  const s = poolerService(pooler({ serviceTemplate: { metadata: { annotations: { 'lb/x': 'y' }, labels: { team: 'a' } }, spec: { type: 'LoadBalancer' } } }), IMAGES);
  const spec = s.spec as { type: string; ports: unknown[]; selector: unknown };
  assert.equal(spec.type, 'LoadBalancer');
  assert.deepEqual(spec.ports, [{ name: 'pgbouncer', port: 5432, targetPort: 'pgbouncer', protocol: 'TCP' }]);
  assert.deepEqual(spec.selector, { 'cnpg.io/poolerName': 'pg-pooler' });
  assert.equal(s.metadata.annotations?.['lb/x'], 'y');
  assert.equal(s.metadata.labels?.team, 'a');
  assert.ok(s.metadata.annotations?.['cnpg.io/poolerSpecHash']);
  assert.equal((poolerService(pooler(), IMAGES).spec as { type: string }).type, 'ClusterIP');
});

test('the Role lets the pooler read only its handout Secret and its Pooler; the binding names its account', () => {
  const role = poolerRole(pooler()) as unknown as { rules: unknown };
  assert.deepEqual(role.rules, [
    { apiGroups: [''], resources: ['secrets'], resourceNames: ['pg-pooler-config'], verbs: ['get', 'watch'] },
    { apiGroups: ['postgresql.cnpg.io'], resources: ['poolers'], resourceNames: ['pg-pooler'], verbs: ['get', 'watch'] },
  ]);
  const own = pooler({ serviceAccountName: 'shared' });
  assert.deepEqual((poolerRoleBinding(own) as unknown as { subjects: unknown }).subjects, [{ kind: 'ServiceAccount', name: 'shared', namespace: 'data' }]);
  assert.ok(!poolerObjects(own, handout, IMAGES).some((o) => o.kind === 'ServiceAccount'), 'no ServiceAccount made when the Pooler names its own');
});

test('the spec hash follows the spec and the image, not the handout', () => {
  const base = poolerSpecHash(pooler(), IMAGES);
  assert.notEqual(poolerSpecHash(pooler({ instances: 2 }), IMAGES), base);
  assert.notEqual(poolerSpecHash(pooler({ pgbouncer: { poolMode: 'transaction' } }), IMAGES), base);
  assert.notEqual(poolerSpecHash(pooler(), { ...IMAGES, operand: 'other:1' }), base);
  assert.notEqual(poolerSpecHash(pooler(), { ...IMAGES, operator: 'example/cnpg-ts:2' }), base, 'a new operator image rolls the pooler Pods onto its manager');
  assert.equal(poolerSpecHash(pooler(), IMAGES), base);
});

test('a PodMonitor only with monitoring.enablePodMonitor: the pooler’s Pods, port metrics, the relabelings given', () => {
  assert.equal(poolerPodMonitor(pooler(), IMAGES), undefined);
  assert.equal(poolerPodMonitor(pooler({ monitoring: { enablePodMonitor: false } }), IMAGES), undefined);
  const relabel = [{ action: 'drop', regex: 'cnpg_pgbouncer_lists_.*', sourceLabels: ['__name__'] }];
  const monitor = poolerPodMonitor(pooler({ monitoring: { enablePodMonitor: true, podMonitorMetricRelabelings: relabel } }), IMAGES);
  assert.equal(monitor?.metadata.name, 'pg-pooler');
  assert.deepEqual(monitor?.spec, {
    selector: { matchLabels: { 'cnpg.io/poolerName': 'pg-pooler', 'cnpg.io/podRole': 'pooler' } },
    podMetricsEndpoints: [{ port: 'metrics', metricRelabelings: relabel }],
  });
});
