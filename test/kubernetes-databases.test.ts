// The Database CRD on a real kube-apiserver: CloudNativePG's own sample Database manifests
// (test/fixtures/cnpg-samples) are accepted and defaulted as CloudNativePG defaults them; an
// invalid one is refused with its field path, and the CREATE DATABASE settings cannot change.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { installCrds } from './support/crds.js';
import { startControlPlane, type ControlPlane } from './support/controlplane.js';

let cp: ControlPlane;
let kc: KubeConfig;

before(async () => {
  cp = await startControlPlane();
  kc = cp.kubeConfig();
  await installCrds(kc);
});

after(async () => {
  await cp?.stop();
});

const target = { group: 'postgresql.cnpg.io', version: 'v1', namespace: 'default', plural: 'databases' };
const api = () => kc.makeApiClient(CustomObjectsApi);
const sample = (file: string) => parse(readFileSync(new URL(`../../test/fixtures/cnpg-samples/${file}`, import.meta.url), 'utf8')) as Record<string, unknown>;

async function refusal(write: () => Promise<unknown>): Promise<string> {
  try {
    await write();
  } catch (e) {
    return String((e as { body?: unknown }).body ?? (e as Error).message);
  }
  throw new Error('the API server accepted an invalid Database');
}

const database = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Database', metadata: { name }, spec: { cluster: { name: 'cluster-example' }, ...spec } });

test("CloudNativePG's sample Database manifests are accepted and get its defaults", async () => {
  for (const file of ['database-example.yaml', 'database-example-icu.yaml', 'database-example-fail.yaml']) {
    const created = (await api().createNamespacedCustomObject({ ...target, body: sample(file) })) as { spec: Record<string, unknown> };
    assert.equal(created.spec['ensure'], 'present', file);
    assert.equal(created.spec['databaseReclaimPolicy'], 'retain', file);
  }
  const icu = (await api().getNamespacedCustomObject({ ...target, name: 'db-icu' })) as { spec: Record<string, unknown> };
  assert.deepEqual([icu.spec['localeProvider'], icu.spec['icuLocale'], icu.spec['icuRules'], icu.spec['template']], ['icu', 'en', 'fr', 'template0']);
});

test('an invalid Database is refused with its field path', async () => {
  const reserved = await refusal(() => api().createNamespacedCustomObject({ ...target, body: database('bad-name', { name: 'postgres', owner: 'app' }) }));
  assert.match(reserved, /spec\.name: Invalid value: \\"postgres\\": the name postgres is reserved/);
  const noOwner = await refusal(() => api().createNamespacedCustomObject({ ...target, body: database('no-owner', { name: 'one' }) }));
  assert.match(noOwner, /spec\.owner: Required value/);
  const ensure = await refusal(() => api().createNamespacedCustomObject({ ...target, body: database('bad-ensure', { name: 'one', owner: 'app', ensure: 'gone' }) }));
  assert.match(ensure, /spec\.ensure: Unsupported value: \\"gone\\"/);
  const icu = await refusal(() => api().createNamespacedCustomObject({ ...target, body: database('bad-icu', { name: 'one', owner: 'app', icuLocale: 'en' }) }));
  assert.match(icu, /icuLocale is only available when localeProvider is set to `icu`/);
});

test('the database name, its cluster and its CREATE DATABASE settings cannot change; the owner can', async () => {
  const patch = (spec: Record<string, unknown>) => api().patchNamespacedCustomObject({ ...target, name: 'db-one', body: { spec } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  assert.match(await refusal(() => patch({ name: 'other' })), /spec\.name: Invalid value: \\"other\\": name is immutable/);
  assert.match(await refusal(() => patch({ cluster: { name: 'elsewhere' } })), /spec\.cluster: Invalid value: .*cluster reference is immutable/);
  const changed = (await patch({ owner: 'someone', connectionLimit: 5 })) as { spec: Record<string, unknown> };
  assert.equal(changed.spec['owner'], 'someone');
});
