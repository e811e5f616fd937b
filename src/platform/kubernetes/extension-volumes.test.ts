import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from '../../api/testing.js';
import { instancePod } from './specs.js';

test('each declared extension is an image volume mounted at /extensions/<name> in the postgres container', () => {
  const cluster = fixture('Cluster', {
    storage: { size: '1Gi' },
    imageName: 'ghcr.io/cloudnative-pg/postgresql:18.1-minimal-trixie',
    postgresql: { extensions: [{ name: 'pg_ivm', image: { reference: 'ghcr.io/example/pg-ivm:1.9-18', pullPolicy: 'IfNotPresent' } }, { name: 'pgvector', image: { reference: 'ghcr.io/cloudnative-pg/pgvector:0.8.1-18-trixie' } }] },
  });
  const pod = instancePod(cluster, { instance: 'pg-1', serial: 1, image: 'ghcr.io/cloudnative-pg/postgresql:18.1-minimal-trixie', operatorImage: 'op', role: 'primary', configHash: 'h', credentialsHash: 'c' });
  const spec = pod.spec as { volumes: Record<string, unknown>[]; containers: { name: string; volumeMounts: Record<string, unknown>[] }[] };
  assert.deepEqual(spec.volumes.filter((v) => String(v.name).startsWith('ext-')), [
    { name: 'ext-pg-ivm', image: { reference: 'ghcr.io/example/pg-ivm:1.9-18', pullPolicy: 'IfNotPresent' } },
    { name: 'ext-pgvector', image: { reference: 'ghcr.io/cloudnative-pg/pgvector:0.8.1-18-trixie' } },
  ]);
  const postgres = spec.containers.find((c) => c.name === 'postgres');
  assert.deepEqual(postgres?.volumeMounts.filter((m) => String(m.name).startsWith('ext-')), [
    { name: 'ext-pg-ivm', mountPath: '/extensions/pg_ivm' },
    { name: 'ext-pgvector', mountPath: '/extensions/pgvector' },
  ]);
  const plain = instancePod(fixture('Cluster', { storage: { size: '1Gi' } }), { instance: 'pg-1', serial: 1, image: 'i', operatorImage: 'op', role: 'primary', configHash: 'h', credentialsHash: 'c' });
  assert.ok(!(plain.spec as { volumes: { name: string }[] }).volumes.some((v) => v.name.startsWith('ext-')));
});
