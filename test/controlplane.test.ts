// The real control plane the Kubernetes integration tests run against (test/support/controlplane.ts):
// kube-apiserver and etcd start, the TS client and the real kubectl both reach it, and a
// CustomResourceDefinition's schema is enforced by the server itself.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ApiException, ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from './support/controlplane.js';
import { setTimeout as sleep } from 'node:timers/promises';

const run = promisify(execFile);

let cp: ControlPlane;
// The first run on a machine builds kube-apiserver, etcd and kubectl (many minutes); later runs start
// in seconds.
before(async () => {
  cp = await startControlPlane();
}, { timeout: 60 * 60_000 });
after(async () => {
  await cp?.stop();
});

const GROUP = 'test.cnpg.io';
const NS = 'cp-test';

const widgetCrd: V1CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `widgets.${GROUP}` },
  spec: {
    group: GROUP,
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            required: ['spec'],
            properties: {
              spec: { type: 'object', required: ['color'], properties: { color: { type: 'string' } } },
              status: { type: 'object', properties: { phase: { type: 'string' } } },
            },
          },
        },
      },
    ],
  },
};

interface Status {
  message: string;
  details?: { causes?: { field?: string; reason?: string }[] };
}
// The server's Status for a refused request: ApiException carries its body as the raw JSON text.
function status(err: ApiException<unknown>): Status {
  return (typeof err.body === 'string' ? JSON.parse(err.body) : err.body) as Status;
}

function errorText(err: unknown): string {
  if (err instanceof ApiException) return `${err.code} ${String(err.body)}`;
  return String(err);
}

test('the real kubectl reaches the API server through the written kubeconfig', { timeout: 30_000 }, async () => {
  const { stdout } = await run(cp.kubectl, ['--kubeconfig', cp.kubeconfigPath, 'get', 'namespaces', '-o', 'name']);
  assert.match(stdout, /^namespace\/default$/m);
  const version = await run(cp.kubectl, ['--kubeconfig', cp.kubeconfigPath, 'version', '-o', 'json']);
  const v = JSON.parse(version.stdout) as { clientVersion: { gitVersion: string }; serverVersion: { gitVersion: string } };
  assert.equal(v.serverVersion.gitVersion, v.clientVersion.gitVersion);
  assert.match(v.serverVersion.gitVersion, /^v1\.\d+\.\d+$/);
});

test('namespaces and ConfigMaps through @kubernetes/client-node', { timeout: 30_000 }, async () => {
  const core = cp.kubeConfig().makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
  await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'settings' }, data: { answer: '42' } } });
  const cm = await core.readNamespacedConfigMap({ namespace: NS, name: 'settings' });
  assert.equal(cm.data?.answer, '42');
  // Authentication is enforced: a wrong token is refused.
  const bad = new KubeConfig();
  bad.loadFromOptions({
    clusters: [{ name: 'test', server: cp.server, caFile: cp.caFile, skipTLSVerify: false }],
    users: [{ name: 'intruder', token: 'wrong' }],
    contexts: [{ name: 'test', cluster: 'test', user: 'intruder' }],
    currentContext: 'test',
  });
  await assert.rejects(bad.makeApiClient(CoreV1Api).listNamespace(), (err) => err instanceof ApiException && err.code === 401);
});

test('a CustomResourceDefinition: the server validates custom objects against its schema', { timeout: 45_000 }, async () => {
  const kc = cp.kubeConfig();
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  await ext.createCustomResourceDefinition({ body: widgetCrd });
  for (let i = 0; ; i++) {
    const crd = await ext.readCustomResourceDefinition({ name: `widgets.${GROUP}` });
    if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
    assert.ok(i < 100, 'CRD not Established after 20 s');
    await sleep(200);
  }
  const ref = { group: GROUP, version: 'v1', namespace: NS, plural: 'widgets' };
  const widget = (name: string, spec: Record<string, unknown>) => ({ apiVersion: `${GROUP}/v1`, kind: 'Widget', metadata: { name }, spec });

  // Established can come a moment before the endpoint serves: retry a 404 briefly.
  const create = async (body: object): Promise<unknown> => {
    for (let i = 0; ; i++) {
      try {
        return await custom.createNamespacedCustomObject({ ...ref, body });
      } catch (err) {
        if (!(err instanceof ApiException && err.code === 404) || i >= 50) throw err;
        await sleep(200);
      }
    }
  };

  await assert.rejects(create(widget('no-color', { shape: 'round' })), (err) => {
    assert.ok(err instanceof ApiException, errorText(err));
    assert.equal(err.code, 422, errorText(err));
    const st = status(err);
    assert.match(st.message, /spec\.color: Required value/);
    assert.deepEqual(st.details?.causes?.map((c) => [c.reason, c.field]), [['FieldValueRequired', 'spec.color']]);
    return true;
  });
  await assert.rejects(create(widget('bad-color', { color: 7 })), (err) => {
    assert.ok(err instanceof ApiException, errorText(err));
    assert.equal(err.code, 422, errorText(err));
    const st = status(err);
    assert.match(st.message, /spec\.color: Invalid value: "integer": spec\.color in body must be of type string/);
    assert.deepEqual(st.details?.causes?.map((c) => [c.reason, c.field]), [['FieldValueTypeInvalid', 'spec.color']]);
    return true;
  });

  await create(widget('blue', { color: 'blue' }));
  const list = (await custom.listNamespacedCustomObject(ref)) as { items: { metadata: { name: string }; spec: { color: string } }[] };
  assert.deepEqual(
    list.items.map((w) => [w.metadata.name, w.spec.color]),
    [['blue', 'blue']],
  );

  // The status subresource: status is written through /status only.
  const current = (await custom.getNamespacedCustomObject({ ...ref, name: 'blue' })) as Record<string, unknown>;
  await custom.replaceNamespacedCustomObjectStatus({ ...ref, name: 'blue', body: { ...current, status: { phase: 'Ready' } } });
  const got = (await custom.getNamespacedCustomObject({ ...ref, name: 'blue' })) as { status?: { phase?: string } };
  assert.equal(got.status?.phase, 'Ready');

  // And the real kubectl sees the custom resource too.
  const { stdout } = await run(cp.kubectl, ['--kubeconfig', cp.kubeconfigPath, '-n', NS, 'get', 'widgets', '-o', 'jsonpath={.items[*].metadata.name}']);
  assert.equal(stdout, 'blue');
});
