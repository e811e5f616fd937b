import test from 'node:test';
import assert from 'node:assert/strict';
import type { StoredCluster } from '../../api/cluster-status.js';
import { fixture } from '../../api/testing.js';
import { pgbenchJob, requireDash } from './pgbench.js';

const cluster: StoredCluster = { ...fixture('Cluster', { instances: 1, imagePullSecrets: [{ name: 'regcred' }] }, { namespace: 'ns' }), status: { image: 'ghcr.io/cnpg-ts/postgresql:15-0.1.0' } };
const options = { dbName: 'app', nodeSelector: [] as string[] };

test('the Job is the reference plugin\'s: pgbench in the Cluster\'s image, -rw and the -app Secret, the arguments as given', () => {
  const job = pgbenchJob(cluster, ['--time', '30', '--client', '1'], options, () => 0.123456) as unknown as {
    metadata: { name: string; namespace: string; labels: Record<string, string> };
    spec: { ttlSecondsAfterFinished?: number; template: { spec: { restartPolicy: string; imagePullSecrets?: unknown; nodeSelector?: unknown; containers: Array<{ image: string; command: string[]; args: string[]; env: Array<{ name: string; value?: string; valueFrom?: unknown }> }> } } };
  };
  assert.equal(job.metadata.name, 'pg-pgbench-123456');
  assert.equal(job.metadata.namespace, 'ns');
  assert.deepEqual(job.metadata.labels, { pgBenchJob: 'pg' });
  assert.equal(job.spec.ttlSecondsAfterFinished, undefined);
  const pod = job.spec.template.spec;
  assert.equal(pod.restartPolicy, 'Never');
  assert.deepEqual(pod.imagePullSecrets, [{ name: 'regcred' }]);
  assert.equal(pod.nodeSelector, undefined);
  const [c] = pod.containers;
  assert.equal(c!.image, 'ghcr.io/cnpg-ts/postgresql:15-0.1.0');
  assert.deepEqual(c!.command, ['pgbench']);
  assert.deepEqual(c!.args, ['--time', '30', '--client', '1']);
  assert.deepEqual(c!.env, [
    { name: 'PGHOST', value: 'pg-rw' },
    { name: 'PGDATABASE', value: 'app' },
    { name: 'PGPORT', value: '5432' },
    { name: 'PGUSER', valueFrom: { secretKeyRef: { name: 'pg-app', key: 'username' } } },
    { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'pg-app', key: 'password' } } },
  ]);
});

test('--job-name, --ttl and --node-selector; bad values are refused with the flag named', () => {
  const job = pgbenchJob(cluster, [], { dbName: 'bench', jobName: 'mine', ttl: '600', nodeSelector: ['disk=ssd'] }) as unknown as { metadata: { name: string }; spec: { ttlSecondsAfterFinished: number; template: { spec: { nodeSelector: unknown } } } };
  assert.equal(job.metadata.name, 'mine');
  assert.equal(job.spec.ttlSecondsAfterFinished, 600);
  assert.deepEqual(job.spec.template.spec.nodeSelector, { disk: 'ssd' });
  assert.throws(() => pgbenchJob(cluster, [], { ...options, ttl: 'soon' }), /--ttl: "soon" is not a whole number of seconds/);
  assert.throws(() => pgbenchJob(cluster, [], { ...options, nodeSelector: ['ssd'] }), /--node-selector: "ssd" is not LABEL=VALUE/);
  assert.throws(() => pgbenchJob(cluster, ['-c\n1'], options), /pgbench argument "-c\\n1" holds a control character/);
});

test('pgbench\'s arguments only after --, as the reference', () => {
  assert.doesNotThrow(() => requireDash(['-T', '5'], ['node', 'cnpg', 'pgbench', 'pg', '--', '-T', '5']));
  assert.doesNotThrow(() => requireDash([], ['node', 'cnpg', 'pgbench', 'pg']));
  assert.throws(() => requireDash(['foo'], ['node', 'cnpg', 'pgbench', 'pg', 'foo']), /pgbench's arguments go after the -- delimiter \(e\.g\. pgbench CLUSTER -- --time 30\), got "foo"/);
});
