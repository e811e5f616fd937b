import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCluster, validateObject, type Cluster } from '../../api/index.js';
import { drillObjectName, drillPod, drillPodOutcome, drillTaskSecret } from './restore-drill-pod.js';

function cluster(spec: Record<string, unknown> = {}): Cluster {
  const { resource } = validateObject({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg', namespace: 'data', uid: 'u-1' }, spec: { instances: 3, storage: { size: '1Gi' }, ...spec } }, 'kubernetes');
  assert.ok(isCluster(resource));
  return resource;
}

interface Container {
  name: string;
  image: string;
  command: string[];
  env: { name: string; value?: string }[];
  terminationMessagePath?: string;
  terminationMessagePolicy?: string;
  resources?: unknown;
  securityContext: Record<string, unknown>;
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodShape {
  metadata: { name: string; namespace: string; labels: Record<string, string>; ownerReferences: { kind: string; name: string; uid: string; controller?: boolean }[] };
  spec: {
    restartPolicy: string;
    activeDeadlineSeconds: number;
    automountServiceAccountToken: boolean;
    securityContext: Record<string, unknown>;
    affinity?: Record<string, unknown>;
    nodeSelector?: Record<string, string>;
    tolerations?: unknown[];
    initContainers: Container[];
    containers: Container[];
    volumes: { name: string; emptyDir?: Record<string, unknown>; ephemeral?: unknown; secret?: { secretName: string; defaultMode: number } }[];
  };
}

const inputs = { backup: { name: 'nightly', uid: 'b-1' }, image: 'ghcr.io/cloudnative-pg/postgresql:16.4', major: 16, operatorImage: 'cnpg-ts:dev', timeoutSeconds: 3600 };

test('the drill Pod runs the drill entry point of the copied manager in the operand image, owned by the Backup, its task in a Secret volume', () => {
  const pod = drillPod(cluster({ resources: { requests: { cpu: '1' } }, env: [{ name: 'HTTPS_PROXY', value: 'http://proxy:3128' }] }), inputs) as unknown as PodShape;
  assert.equal(pod.metadata.name, 'nightly-drill');
  assert.equal(pod.metadata.namespace, 'data');
  // No cnpg.io/podRole: no Service, PDB or observe() takes it for an instance.
  assert.deepEqual(pod.metadata.labels, { 'cnpg.io/cluster': 'pg', 'cnpg.io/jobRole': 'restore-drill' });
  assert.deepEqual(pod.metadata.ownerReferences, [{ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Backup', name: 'nightly', uid: 'b-1', controller: true }]);
  assert.equal(pod.spec.restartPolicy, 'Never');
  assert.equal(pod.spec.activeDeadlineSeconds, 3600);
  assert.equal(pod.spec.automountServiceAccountToken, false);
  assert.equal(pod.spec.securityContext.runAsNonRoot, true);
  assert.equal(pod.spec.initContainers[0]?.image, 'cnpg-ts:dev');
  const main = pod.spec.containers[0]!;
  assert.equal(main.image, 'ghcr.io/cloudnative-pg/postgresql:16.4');
  assert.deepEqual(main.command.slice(1), [
    '/controller/manager/app/dist/src/instance/restore-drill-main.js',
    '--pod',
    '/controller/drill/task.json',
    '/var/lib/postgresql/drill/data',
    '/var/lib/postgresql/drill/run',
    '/usr/lib/postgresql/16/bin',
    '5432',
  ]);
  assert.deepEqual(main.env, [{ name: 'CNPG_OUTCOME_FILE', value: '/dev/termination-log' }, { name: 'HTTPS_PROXY', value: 'http://proxy:3128' }]);
  assert.equal(main.terminationMessagePath, '/dev/termination-log');
  assert.equal(main.terminationMessagePolicy, 'FallbackToLogsOnError');
  assert.deepEqual(main.resources, { requests: { cpu: '1' } });
  assert.equal(main.securityContext.readOnlyRootFilesystem, true);
  assert.deepEqual(main.volumeMounts.find((m) => m.name === 'task'), { name: 'task', mountPath: '/controller/drill', readOnly: true });
  const volumes = new Map(pod.spec.volumes.map((v) => [v.name, v]));
  assert.deepEqual(volumes.get('drill'), { name: 'drill', emptyDir: {} });
  assert.deepEqual(volumes.get('task')?.secret, { secretName: 'nightly-drill', defaultMode: 0o400 });
  assert.ok(volumes.has('manager') && volumes.has('shm'));
  assert.ok(!volumes.has('pgdata') && !volumes.has('spec'), "none of an instance's volumes or spec");
});

test("the throwaway volume is the Cluster's ephemeralVolumeSource when it sizes one, never the temporary-data limit", () => {
  const source = { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } } } };
  const sized = drillPod(cluster({ ephemeralVolumeSource: source }), inputs) as unknown as PodShape;
  assert.deepEqual(sized.spec.volumes.find((v) => v.name === 'drill'), { name: 'drill', ephemeral: source });
  const limited = drillPod(cluster({ ephemeralVolumesSizeLimit: { temporaryData: '100Mi' } }), inputs) as unknown as PodShape;
  assert.deepEqual(limited.spec.volumes.find((v) => v.name === 'drill'), { name: 'drill', emptyDir: {} });
});

test("placed like the instances (node selector, tolerations, node affinity) but without their anti-affinity", () => {
  const pod = drillPod(
    cluster({
      affinity: {
        podAntiAffinityType: 'required',
        nodeSelector: { disk: 'ssd' },
        tolerations: [{ key: 'db', operator: 'Exists' }],
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } },
      },
    }),
    inputs,
  ) as unknown as PodShape;
  assert.deepEqual(pod.spec.nodeSelector, { disk: 'ssd' });
  assert.deepEqual(pod.spec.tolerations, [{ key: 'db', operator: 'Exists' }]);
  assert.deepEqual(Object.keys(pod.spec.affinity ?? {}), ['nodeAffinity']);
  assert.equal((drillPod(cluster(), inputs) as unknown as PodShape).spec.affinity, undefined);
});

test('names fit, and a major that is no whole number never reaches a command', () => {
  assert.equal(drillObjectName('x'.repeat(253)).length, 253);
  assert.match(drillObjectName('x'.repeat(253)), /-drill$/);
  assert.throws(() => drillPod(cluster(), { ...inputs, major: Number.NaN }), /whole PostgreSQL major/);
});

test('the task Secret holds the task as a file, owned by the Backup, labelled like the Pod', () => {
  const task = { source: { destinationPath: 's3://b/p', serverName: 'pg' }, secrets: { s3: { accessKeyId: 'AKID', secretAccessKey: 's3cr3t' } }, backupId: '20261206T000000', defaultDatabase: 'app', counts: [] };
  const secret = drillTaskSecret(cluster(), inputs.backup, task as never) as unknown as { metadata: PodShape['metadata']; data: Record<string, string> };
  assert.equal(secret.metadata.name, 'nightly-drill');
  assert.deepEqual(secret.metadata.labels, { 'cnpg.io/cluster': 'pg', 'cnpg.io/jobRole': 'restore-drill' });
  assert.deepEqual(secret.metadata.ownerReferences.map((o) => `${o.kind}/${o.name}`), ['Backup/nightly']);
  assert.deepEqual(JSON.parse(Buffer.from(secret.data['task.json']!, 'base64').toString()), task);
});

const ended = (phase: string, terminated?: { exitCode?: number; message?: string; reason?: string }, pod: { reason?: string; message?: string } = {}) => ({
  status: { phase, ...pod, containerStatuses: terminated ? [{ name: 'restore-drill', state: { terminated } }] : [] },
});

test("the outcome is the termination message once the Pod ended; a Pod that said none failed at restore with what it left", () => {
  assert.equal(drillPodOutcome({ status: { phase: 'Running' } }, 'B'), undefined);
  const passed = { ok: true, stage: 'count', backupId: 'B', archiveEndWal: '000000010000000000000009' };
  assert.deepEqual(drillPodOutcome(ended('Succeeded', { exitCode: 0, message: JSON.stringify(passed) }), 'B'), passed);
  const failed = { ok: false, stage: 'replay', backupId: 'B', error: 'replay stopped' };
  assert.deepEqual(drillPodOutcome(ended('Succeeded', { exitCode: 0, message: JSON.stringify(failed) }), 'B'), failed);
  assert.deepEqual(drillPodOutcome(ended('Failed', { exitCode: 1, message: 'Error: boom\n    at x' }), 'B'), { ok: false, stage: 'restore', backupId: 'B', error: 'Error: boom | at x' });
  assert.deepEqual(drillPodOutcome(ended('Failed', undefined, { reason: 'Evicted', message: 'The node was low on resource: memory.' }), 'B'), {
    ok: false,
    stage: 'restore',
    backupId: 'B',
    error: 'the drill Pod ended Failed: Evicted (The node was low on resource: memory.)',
  });
  const late = { spec: { activeDeadlineSeconds: 3600 }, ...ended('Failed', { exitCode: 137 }, { reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' }) };
  assert.deepEqual(drillPodOutcome(late, 'B'), { ok: false, stage: 'restore', backupId: 'B', error: 'the drill did not finish within 3600 s and was stopped' });
  assert.deepEqual(drillPodOutcome(ended('Failed', { exitCode: 137 }), 'B'), { ok: false, stage: 'restore', backupId: 'B', error: 'the drill exited with 137' });
});
