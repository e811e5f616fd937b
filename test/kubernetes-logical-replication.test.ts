// The Publication and Subscription CRDs on a real API server: CloudNativePG's own samples are
// accepted as written, and invalid objects are refused with their field path.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { installCrds } from './support/crds.js';
import { startControlPlane, type ControlPlane } from './support/controlplane.js';

const SAMPLES = fileURLToPath(new URL('../../test/fixtures/cnpg-samples/', import.meta.url));

let cp: ControlPlane;
let kc: KubeConfig;

before(async () => {
  cp = await startControlPlane();
  kc = cp.kubeConfig();
  await installCrds(kc);
});

after(() => cp?.stop());

const plural = (kind: string) => `${kind.toLowerCase()}s`;
const create = (body: { kind: string; [field: string]: unknown }) =>
  kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({ group: 'postgresql.cnpg.io', version: 'v1', namespace: 'default', plural: plural(body.kind), body });

/** The API server's sentence: its Status object's message. */
function statusMessage(e: unknown): string {
  const body = (e as { body?: unknown }).body;
  try {
    return (JSON.parse(String(body)) as { message: string }).message;
  } catch {
    return String(body ?? (e as Error).message);
  }
}

async function refusal(body: { kind: string; [field: string]: unknown }): Promise<string> {
  try {
    await create(body);
  } catch (e) {
    return statusMessage(e);
  }
  throw new Error(`the API server accepted ${JSON.stringify(body)}`);
}

test("CloudNativePG's samples are accepted, with the reclaim policy defaulted to retain", async () => {
  for (const file of ['publication-example.yaml', 'publication-example-objects.yaml', 'subscription-example.yaml']) {
    const sample = parse(readFileSync(`${SAMPLES}${file}`, 'utf8')) as { kind: string; metadata: { name: string } };
    const stored = (await create(sample)) as { spec: Record<string, unknown> };
    const policy = sample.kind === 'Publication' ? 'publicationReclaimPolicy' : 'subscriptionReclaimPolicy';
    assert.equal(stored.spec[policy], 'retain', file);
  }
});

test('invalid objects are refused with their field path', async () => {
  const base = { apiVersion: 'postgresql.cnpg.io/v1', metadata: { name: 'bad' } };
  const both = await refusal({ ...base, kind: 'Publication', spec: { cluster: { name: 'c' }, name: 'p', dbname: 'app', target: { allTables: true, objects: [{ tablesInSchema: 'public' }] } } });
  assert.match(both, /spec\.target: Invalid value: allTables and objects are mutually exclusive/);
  const policy = await refusal({ ...base, kind: 'Subscription', spec: { cluster: { name: 'c' }, name: 's', dbname: 'app', publicationName: 'p', externalClusterName: 'x', subscriptionReclaimPolicy: 'forget' } });
  assert.match(policy, /spec\.subscriptionReclaimPolicy: Unsupported value: "forget"/);
  const missing = await refusal({ ...base, kind: 'Subscription', spec: { cluster: { name: 'c' }, name: 's', dbname: 'app', externalClusterName: 'x' } });
  assert.match(missing, /spec\.publicationName: Required value/);
});

test('cluster, name and dbname cannot change once set', async () => {
  const api = kc.makeApiClient(CustomObjectsApi);
  const current = (await api.getNamespacedCustomObject({ group: 'postgresql.cnpg.io', version: 'v1', namespace: 'default', plural: 'publications', name: 'publication-example' })) as { spec: Record<string, unknown> };
  try {
    await api.replaceNamespacedCustomObject({ group: 'postgresql.cnpg.io', version: 'v1', namespace: 'default', plural: 'publications', name: 'publication-example', body: { ...current, spec: { ...current.spec, name: 'renamed' } } });
    assert.fail('the rename was accepted');
  } catch (e) {
    assert.match(statusMessage(e), /spec\.name: Invalid value: "renamed": name is immutable/);
  }
});
