import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Cluster } from '../api/index.js';
import { mergeCatalogExtensions, withCatalogExtensions } from './catalog-extensions.js';

const catalogEntry = {
  name: 'postgis',
  image: { reference: 'ghcr.io/example/postgis:3.6-18', pullPolicy: 'IfNotPresent' as const },
  ld_library_path: ['system'],
  env: [{ name: 'GDAL_DATA', value: '${image_root}/share/gdal' }],
};

test('only the extensions the Cluster names are used; the catalog entry is the base, each field the Cluster sets wins', () => {
  const other = { name: 'pgvector', image: { reference: 'ghcr.io/example/pgvector:0.8' } };
  assert.deepEqual(mergeCatalogExtensions([{ name: 'postgis' }], [catalogEntry, other], 'ImageCatalog "c"'), [catalogEntry]);
  const own = { name: 'postgis', image: { reference: 'mine:1' }, ld_library_path: ['lib'], bin_path: ['bin'] };
  assert.deepEqual(mergeCatalogExtensions([own], [catalogEntry], 'ImageCatalog "c"'), [
    { name: 'postgis', image: { reference: 'mine:1', pullPolicy: 'IfNotPresent' }, ld_library_path: ['lib'], bin_path: ['bin'], env: catalogEntry.env },
  ]);
  // Not in the catalog: the Cluster's entry as written.
  assert.deepEqual(mergeCatalogExtensions([other], [catalogEntry], 'ImageCatalog "c"'), [other]);
});

test('an extension with an image reference in neither place is refused, naming both', () => {
  assert.throws(() => mergeCatalogExtensions([{ name: 'postgis' }], [{ name: 'postgis', ld_library_path: ['lib'] }], 'ClusterImageCatalog "all"'), /extension "postgis" has no image.reference in the Cluster nor in ClusterImageCatalog "all"/);
  assert.throws(() => mergeCatalogExtensions([{ name: 'postgis' }], undefined, 'ImageCatalog "c"'), /"postgis"/);
});

test('the Cluster gets the entry of its major from the catalog it names', async () => {
  const cluster = { metadata: { name: 'pg', namespace: 'ns' }, spec: { imageCatalogRef: { apiGroup: 'postgresql.cnpg.io', kind: 'ImageCatalog', name: 'c', major: 18 }, postgresql: { extensions: [{ name: 'postgis' }] } } } as unknown as Cluster;
  const asked: unknown[] = [];
  const store = {
    get: async (...args: unknown[]) => {
      asked.push(args);
      return { spec: { images: [{ major: 17, image: 'x', extensions: [{ name: 'postgis', image: { reference: 'old' } }] }, { major: 18, image: 'y', extensions: [catalogEntry] }] } } as never;
    },
  };
  const merged = await withCatalogExtensions(store, cluster);
  assert.deepEqual(merged.spec.postgresql?.extensions, [catalogEntry]);
  assert.deepEqual(asked, [['ImageCatalog', 'ns', 'c']]);
  const plain = { ...cluster, spec: { ...cluster.spec, imageCatalogRef: undefined } } as Cluster;
  assert.equal(await withCatalogExtensions(store, plain), plain);
});
