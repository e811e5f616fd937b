import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCluster, validateObject, type Cluster } from '../../api/index.js';
import {
  DATA_MAJOR_ANNOTATION,
  UPGRADE_FAILURE_ANNOTATION,
  dataMajorAnnotation,
  majorUpgradePod,
  outcomeAnnotations,
  upgradeFailureAnnotation,
  upgradeOutcomeOf,
} from './major-upgrade-pod.js';

function cluster(spec: Record<string, unknown> = {}): Cluster {
  const { resource } = validateObject({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg', namespace: 'data', uid: 'u-1' }, spec: { instances: 2, storage: { size: '1Gi' }, ...spec } }, 'kubernetes');
  assert.ok(isCluster(resource));
  return resource;
}

interface Container {
  name: string;
  image: string;
  command: string[];
  env?: { name: string; value: string }[];
  terminationMessagePath?: string;
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodShape {
  metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string>; ownerReferences: { kind: string; name: string }[] };
  spec: { restartPolicy: string; initContainers: Container[]; containers: Container[]; volumes: { name: string; persistentVolumeClaim?: { claimName: string }; emptyDir?: unknown }[] };
}

const inputs = { instance: 'pg-1', serial: 1, oldImage: 'ghcr.io/cloudnative-pg/postgresql:15', oldMajor: 15, newImage: 'ghcr.io/cloudnative-pg/postgresql:16.13', newMajor: 16, operatorImage: 'cnpg-ts:dev', generation: 4 };

test('the upgrade Pod runs the verb in the new image, with the old binaries copied in by an init container of the old image, on the instance data volumes', () => {
  const c = cluster({ walStorage: { size: '1Gi' }, tablespaces: [{ name: 'hot', storage: { size: '1Gi' } }] });
  const pod = majorUpgradePod(c, inputs) as unknown as PodShape;
  assert.equal(pod.metadata.name, 'pg-1-major-upgrade');
  // No cnpg.io/podRole: no Service, PDB or observe() takes it for an instance.
  assert.deepEqual(pod.metadata.labels, { 'cnpg.io/cluster': 'pg', 'cnpg.io/instanceName': 'pg-1', 'cnpg.io/jobRole': 'major-upgrade' });
  assert.deepEqual(pod.metadata.ownerReferences.map((o) => `${o.kind}/${o.name}`), ['Cluster/pg']);
  assert.equal(pod.spec.restartPolicy, 'Never');
  const [bootstrap, prepare] = pod.spec.initContainers;
  assert.equal(bootstrap?.image, 'cnpg-ts:dev');
  assert.equal(prepare?.image, 'ghcr.io/cloudnative-pg/postgresql:15');
  assert.deepEqual(prepare?.command, ['cp', '-a', '--parents', '/usr/lib/postgresql/15', '/usr/share/postgresql/15', '/controller/old']);
  const main = pod.spec.containers[0]!;
  assert.equal(main.image, 'ghcr.io/cloudnative-pg/postgresql:16.13');
  assert.deepEqual(main.command.slice(1), ['/controller/manager/app/dist/src/instance/major-upgrade-main.js', '/var/lib/postgresql/data', '/controller/old/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '5432']);
  assert.deepEqual(main.env, [{ name: 'CNPG_OUTCOME_FILE', value: '/dev/termination-log' }]);
  assert.equal(main.terminationMessagePath, '/dev/termination-log');
  assert.deepEqual(
    pod.spec.volumes.filter((v) => v.persistentVolumeClaim).map((v) => v.persistentVolumeClaim?.claimName),
    ['pg-1', 'pg-1-wal', 'pg-1-tbs-hot'],
  );
  assert.deepEqual(main.volumeMounts.map((m) => m.mountPath).sort(), ['/controller/manager', '/controller/old', '/var/lib/postgresql/data', '/var/lib/postgresql/tablespaces/hot', '/var/lib/postgresql/wal']);
  assert.ok(!pod.spec.volumes.some((v) => v.name === 'spec'), 'no manager spec: nothing but the verb runs');
});

test('a major that is no whole number never reaches a command', () => {
  assert.throws(() => majorUpgradePod(cluster(), { ...inputs, oldMajor: Number.NaN }), /whole PostgreSQL majors/);
});

const ended = (phase: string, message?: string, exitCode = 0) => ({
  metadata: { annotations: { 'cnpg.io/clusterGeneration': '4', 'cnpg.io/targetMajor': '16' } },
  status: { phase, containerStatuses: [{ name: 'major-upgrade', state: { terminated: { exitCode, ...(message !== undefined ? { message } : {}) } } }] },
});

test('the outcome is read from the termination message once the Pod ended; a Pod that said none failed at prepare', () => {
  assert.equal(upgradeOutcomeOf({ status: { phase: 'Running' } }), undefined);
  const ok = { ok: true, fromMajor: 15, toMajor: 16, version: '16.13', seconds: 2 };
  assert.deepEqual(upgradeOutcomeOf(ended('Succeeded', JSON.stringify(ok))), ok);
  const refused = { ok: false, stage: 'check', reason: 'reg* data types' };
  assert.deepEqual(upgradeOutcomeOf(ended('Succeeded', JSON.stringify(refused))), refused);
  assert.deepEqual(upgradeOutcomeOf(ended('Failed', 'Error: boom\n    at x', 1)), { ok: false, stage: 'prepare', reason: 'Error: boom | at x' });
  assert.deepEqual(upgradeOutcomeOf(ended('Failed', undefined, 137)), { ok: false, stage: 'prepare', reason: 'the upgrade Pod ended Failed with exit code 137' });
});

test('an outcome becomes PVC annotations that observe() reads back; anything else on the PVC reads as unknown', () => {
  const success = outcomeAnnotations({ ok: true, fromMajor: 15, toMajor: 16, version: '16.13', seconds: 1 }, ended('Succeeded'));
  assert.deepEqual(success, { [DATA_MAJOR_ANNOTATION]: '16', [UPGRADE_FAILURE_ANNOTATION]: null });
  const failed = outcomeAnnotations({ ok: false, stage: 'check', reason: 'no' }, ended('Succeeded')) as Record<string, string>;
  assert.deepEqual(upgradeFailureAnnotation(failed), { targetMajor: 16, generation: 4, stage: 'check', reason: 'no' });
  assert.equal(dataMajorAnnotation({ [DATA_MAJOR_ANNOTATION]: '15' }), 15);
  for (const bad of ['', 'x', '0', '15.2', '-1']) assert.equal(dataMajorAnnotation({ [DATA_MAJOR_ANNOTATION]: bad }), undefined, bad);
  assert.equal(dataMajorAnnotation(undefined), undefined);
  for (const bad of ['{', '[]', '{"targetMajor":16}', '{"targetMajor":16,"generation":1,"stage":"later","reason":"x"}']) {
    assert.equal(upgradeFailureAnnotation({ [UPGRADE_FAILURE_ANNOTATION]: bad }), undefined, bad);
  }
});
