// The example manifests must pass the API server's schema check, not only our webhook's.
// ajv comes with eslint (a dev dependency), so it is present wherever the tests run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../repo-root.js';
import { customResourceDefinitions } from './crd.js';
import { forAjv } from './ajv-schema.js';

const ajv = new Ajv({ allErrors: true });
const validators = new Map(
  customResourceDefinitions().map((crd) => [crd.spec.names.kind, ajv.compile(forAjv(crd.spec.versions[0]?.schema.openAPIV3Schema ?? {}))]),
);

function errorsOf(manifest: Record<string, unknown>): string {
  const validate = validators.get(String(manifest['kind']));
  assert.ok(validate, `no CRD for kind ${String(manifest['kind'])}`);
  return validate(manifest) ? '' : ajv.errorsText(validate.errors, { separator: '\n' });
}

const folder = join(repoRoot(), 'examples');
const manifests = readdirSync(folder)
  .filter((file) => file.endsWith('.yaml'))
  .flatMap((file) =>
    parseAllDocuments(readFileSync(join(folder, file), 'utf8')).map((doc, index) => ({
      file,
      index,
      manifest: doc.toJS() as Record<string, unknown>,
    })),
  )
  .filter(({ manifest }) => manifest?.['apiVersion'] === 'postgresql.cnpg.io/v1' && validators.has(String(manifest['kind'])));

test('the examples cover our main kinds', () => {
  const kinds = new Set(manifests.map(({ manifest }) => manifest['kind']));
  for (const kind of ['Cluster', 'Backup', 'ScheduledBackup', 'Pooler']) assert.ok(kinds.has(kind), `no ${kind} example`);
});

for (const { file, index, manifest } of manifests) {
  test(`examples/${file} #${index + 1} (${String(manifest['kind'])}) validates against its CRD`, () => {
    assert.equal(errorsOf(manifest), '');
  });
}

const meta = { apiVersion: 'postgresql.cnpg.io/v1', metadata: { name: 'x' } };
const resource = (kind: string, spec: object) => ({ ...meta, kind, spec });
const rejected: { name: string; manifest: Record<string, unknown>; error: RegExp }[] = [
  { name: 'no instances', manifest: resource('Cluster', { instances: 0 }), error: /instances should be >= 1/ },
  { name: 'an unknown field', manifest: resource('Cluster', { instancez: 3 }), error: /additional properties/ },
  { name: 'a fractional size', manifest: resource('Cluster', { storage: { size: 1.5 } }), error: /size should be integer,string/ },
  { name: 'an unknown method', manifest: resource('Backup', { cluster: { name: 'a' }, method: 'tape' }), error: /should be equal to one of/ },
  { name: 'a backup without cluster', manifest: resource('Backup', {}), error: /required property 'cluster'/ },
  { name: 'a pooler type', manifest: resource('Pooler', { cluster: { name: 'a' }, type: 'rx' }), error: /should be equal to one of/ },
  { name: 'an empty catalog', manifest: resource('ClusterImageCatalog', { images: [] }), error: /fewer than 1 items/ },
];

for (const entry of rejected) {
  test(`the CRD schema rejects ${entry.name}`, () => assert.match(errorsOf(entry.manifest), entry.error));
}

test('the CRD schema accepts Kubernetes-native blobs and integer quantities', () => {
  const spec = { instances: 1, storage: { size: 10 }, affinity: { nodeAffinity: { anything: [1] } }, resources: { requests: { cpu: 1 } } };
  assert.equal(errorsOf(resource('Cluster', spec)), '');
});
