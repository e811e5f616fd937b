// The Pod side of an external source: the instance's spec Secret (mounted by its Pod) carries the
// entry's settings in instance.json and its Secrets' values only in credentials.json.
import test from 'node:test';
import assert from 'node:assert/strict';
import { KubeConfig } from '@kubernetes/client-node';
import { fixture } from '../../api/testing.js';
import type { KubeObject } from '../../api/meta.js';
import { desiredInstanceConfig } from '../../operator/instance-config.js';
import { handout } from '../../operator/instance-handout.js';
import { KubeInstances } from './instances.js';
import type { KubeStore } from './store.js';

function recordingStore(): { store: KubeStore; put: KubeObject[] } {
  const put: KubeObject[] = [];
  const store = {
    list: () => Promise.resolve([]),
    get: () => Promise.resolve(undefined),
    put: (obj: KubeObject) => {
      put.push(obj);
      return Promise.resolve(obj);
    },
    patchMetadata: () => Promise.resolve(undefined),
  };
  return { store: store as unknown as KubeStore, put };
}

function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [{ name: 'c', server: 'http://127.0.0.1:1' }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
  return kc;
}

test("a clone's Pod gets the source's settings in instance.json and its password and key only in credentials.json", async () => {
  const cluster = fixture(
    'Cluster',
    {
      instances: 1,
      storage: { size: '1Gi' },
      bootstrap: { pg_basebackup: { source: 'origin' } },
      externalClusters: [{ name: 'origin', connectionParameters: { host: 'origin-rw', user: 'streaming_replica', sslmode: 'verify-full' }, password: { name: 'p', key: 'password' }, sslKey: { name: 'k', key: 'tls.key' } }],
    },
    { namespace: 'default' },
  );
  const config = desiredInstanceConfig(cluster, 'pg-1', { primary: 'pg-1', instances: ['pg-1'] }, 16);
  const credentials = { replicationPassword: 'r', rolePasswords: {}, externalSources: { origin: { password: 'origin-secret', sslKey: '-----BEGIN PRIVATE KEY-----' } } };
  const { store, put } = recordingStore();
  const instances = new KubeInstances(kubeConfig(), store, { defaultImage: 'x', operatorImage: 'y', defaultMajor: 16, controlPlaneUrl: 'https://127.0.0.1:1' });
  await instances.create(cluster, 'pg-1', 1, handout(config, credentials));

  const secret = put.find((o) => o.kind === 'Secret' && Object.keys((o as { data?: object }).data ?? {}).includes('instance.json')) as { data: Record<string, string> } | undefined;
  assert.ok(secret, 'the spec Secret was written');
  const decode = (key: string) => Buffer.from(secret.data[key] ?? '', 'base64').toString();
  const spec = JSON.parse(decode('instance.json')) as { bootstrap: unknown; externalSources: unknown };
  assert.deepEqual(spec.bootstrap, { kind: 'pg_basebackup', source: 'origin', database: 'app', owner: 'app' });
  assert.deepEqual(spec.externalSources, [{ name: 'origin', params: { host: 'origin-rw', user: 'streaming_replica', sslmode: 'verify-full' } }]);
  assert.doesNotMatch(decode('instance.json'), /origin-secret|PRIVATE KEY/);
  assert.deepEqual((JSON.parse(decode('credentials.json')) as { externalSources: unknown }).externalSources, credentials.externalSources);
});
