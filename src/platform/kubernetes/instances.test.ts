import test from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { randomInt } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { fixture } from '../../api/testing.js';
import type { KubeObject } from '../../api/meta.js';
import { KubeInstances, podImage } from './instances.js';
import { LABELS, MANAGER_PORT } from '../../api/names.js';
import type { KubeStore } from './store.js';

/** A Pod IP of its own on the loopback (all of 127/8 is local), so the manager's fixed port is free. */
async function listenOnSomePodIp(handler: Parameters<typeof createServer>[1]): Promise<{ ip: string; server: Server }> {
  for (;;) {
    const ip = `127.0.${randomInt(100, 250)}.${randomInt(2, 250)}`;
    const server = createServer(handler);
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(MANAGER_PORT, ip, () => resolve(true));
    });
    if (ok) return { ip, server };
  }
}

function storeWith(objects: KubeObject[]): KubeStore {
  const store = {
    list: (kind: string) => Promise.resolve(objects.filter((o) => o.kind === kind)),
    get: (kind: string, _ns: string | undefined, name: string) => Promise.resolve(objects.find((o) => o.kind === kind && o.metadata.name === name)),
  };
  return store as unknown as KubeStore;
}

function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [{ name: 'c', server: 'http://127.0.0.1:1' }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
  return kc;
}

test('a manager answering 404 to GET /pg/status is an instance with a status error, as on the local platform (Kubernetes took it for "no status, no error")', async () => {
  const { ip, server } = await listenOnSomePodIp((_req, res) => {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":"no route"}');
  });
  try {
    const labels = { [LABELS.cluster]: 'pg', [LABELS.podRole]: 'instance' };
    const store = storeWith([
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'pg-1', namespace: 'default', labels: { ...labels, [LABELS.pvcRole]: 'PG_DATA' } } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pg-1', namespace: 'default', labels }, status: { phase: 'Running', podIP: ip } } as KubeObject,
    ]);
    const instances = new KubeInstances(kubeConfig(), store, { defaultImage: 'x', operatorImage: 'y', defaultMajor: 16, controlPlaneUrl: 'https://127.0.0.1:1' });
    const cluster = fixture('Cluster', { instances: 1 }, { namespace: 'default' });
    const [observed] = await instances.observe(cluster);
    assert.equal(observed?.running, true);
    assert.equal(observed?.status, undefined);
    assert.match(observed?.statusError ?? '(none)', /404/);
    assert.equal(observed?.statusErrorKind, 'error');
  } finally {
    server.close();
  }
});

test('an instance Pod runs the image its data can run: the old one until the major upgrade of its data is done, or after one was refused', () => {
  const data = { image: 'pg:16.13', majorVersion: 16 };
  assert.equal(podImage('pg:17.9', data, 16), 'pg:16.13');
  assert.equal(podImage('pg:17.9', data, 17), 'pg:17.9', 'upgraded data runs the image asked for');
  assert.equal(podImage('pg:16.14', data, 16), 'pg:16.14', 'a minor change is the image asked for');
  assert.equal(podImage('pg:17.9', undefined, 16), 'pg:17.9');
  assert.equal(podImage('pg:17.9', data, undefined), 'pg:17.9');
});
