import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPooler, validateObject, type Pooler } from '../../api/index.js';
import { fixture } from '../../api/testing.js';
import { poolerDeployment } from './pooler-specs.js';
import { instancePod } from './specs.js';

const OPERATOR = 'ghcr.io/cnpg-ts/cnpg-ts:9.9.9';
const OPERAND = 'ghcr.io/cloudnative-pg/postgresql:16.1';

function pooler(spec: Record<string, unknown>): Pooler {
  const { resource } = validateObject({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Pooler', metadata: { name: 'pg-pooler', namespace: 'default', uid: 'u-1' }, spec: { cluster: { name: 'pg' }, pgbouncer: { poolMode: 'session' }, ...spec } }, 'kubernetes');
  assert.ok(isPooler(resource));
  return resource;
}

interface Container {
  name: string;
  image?: string;
  command?: string[];
  resources?: unknown;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  securityContext?: { readOnlyRootFilesystem?: boolean; runAsNonRoot?: boolean };
}
interface PodSpec {
  initContainers?: Container[];
  containers: Container[];
  volumes: { name: string; emptyDir?: unknown }[];
}

/** The init container copies the manager from the operator image into an emptyDir the main container runs it from. */
function assertManagerFromOperatorImage(spec: PodSpec, main: string, entry: string): void {
  const init = spec.initContainers?.find((c) => c.name === 'bootstrap-controller');
  assert.ok(init, 'a bootstrap-controller init container');
  assert.equal(init.image, OPERATOR);
  assert.deepEqual(init.command, ['node', '/app/dist/src/instance/bootstrap-controller.js', '/controller/manager']);
  assert.deepEqual(init.volumeMounts, [{ name: 'manager', mountPath: '/controller/manager' }]);
  assert.equal(init.securityContext?.readOnlyRootFilesystem, true);
  const container = spec.containers.find((c) => c.name === main)!;
  assert.deepEqual(container.command?.slice(0, 2), ['/controller/manager/node', `/controller/manager/app/dist/src/${entry}`], 'the copied runtime runs the copied manager: the operand image needs no Node.js');
  assert.deepEqual(container.volumeMounts?.find((m) => m.name === 'manager'), { name: 'manager', mountPath: '/controller/manager', readOnly: true });
  assert.deepEqual(spec.volumes.find((v) => v.name === 'manager'), { name: 'manager', emptyDir: {} });
}

test('an instance Pod runs the manager copied from the operator image, in the Cluster’s image', () => {
  const cluster = fixture('Cluster', { instances: 1, imageName: OPERAND, resources: { requests: { memory: '1Gi' } } }, { namespace: 'default', name: 'pg' });
  const pod = instancePod(cluster, { instance: 'pg-1', serial: 1, image: OPERAND, operatorImage: OPERATOR, role: 'primary', configHash: 'c', credentialsHash: 'k' });
  const spec = pod.spec as unknown as PodSpec;
  assertManagerFromOperatorImage(spec, 'postgres', 'instance/main.js');
  const postgres = spec.containers.find((c) => c.name === 'postgres')!;
  assert.equal(postgres.image, OPERAND);
  assert.equal(postgres.command?.[2], '--pod');
  assert.deepEqual(spec.initContainers?.[0]?.resources, { requests: { memory: '1Gi' } }, 'as much as the main container: a quota demanding requests admits the Pod');
});

test('a pooler Pod runs the pooler manager copied from the operator image; the user’s own init containers and command are kept', () => {
  const images = { operand: 'ghcr.io/cnpg-ts/postgresql:15-9.9.9', operator: OPERATOR };
  const spec = (poolerDeployment(pooler({}), images).spec as { template: { spec: PodSpec } }).template.spec;
  assertManagerFromOperatorImage(spec, 'pgbouncer', 'pooler/main.js');

  const shaped = pooler({ template: { spec: { initContainers: [{ name: 'warm-up', image: 'busybox' }], containers: [{ name: 'pgbouncer', command: ['/my/manager'] }] } } });
  const shapedSpec = (poolerDeployment(shaped, images).spec as { template: { spec: PodSpec } }).template.spec;
  assert.deepEqual(shapedSpec.initContainers?.map((c) => c.name), ['bootstrap-controller', 'warm-up']);
  assert.deepEqual(shapedSpec.containers[0]?.command, ['/my/manager']);
});

test('kubectl exec and logs default to the main container, not the bootstrap-controller, in instance and pooler Pods', () => {
  const cluster = fixture('Cluster', { instances: 1 }, { namespace: 'default', name: 'pg' });
  const pod = instancePod(cluster, { instance: 'pg-1', serial: 1, image: OPERAND, operatorImage: OPERATOR, role: 'primary', configHash: 'c', credentialsHash: 'k' });
  assert.equal(pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'], 'postgres');
  const shaped = pooler({ template: { metadata: { annotations: { team: 'db' } } } });
  const template = (poolerDeployment(shaped, { operand: OPERAND, operator: OPERATOR }).spec as { template: { metadata: { annotations?: Record<string, string> } } }).template;
  assert.deepEqual(template.metadata.annotations, { team: 'db', 'kubectl.kubernetes.io/default-container': 'pgbouncer' });
});
