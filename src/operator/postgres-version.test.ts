import test from 'node:test';
import assert from 'node:assert/strict';
import type { Cluster } from '../api/index.js';
import { fixture } from '../api/testing.js';
import { catalogImage, wantedVersion } from './postgres-version.js';

const cluster = (spec: Record<string, unknown>): Cluster => fixture('Cluster', { instances: 1, ...spec }, { namespace: 'app' }) as Cluster;
const catalogRef = (kind: 'ImageCatalog' | 'ClusterImageCatalog', major: number) => ({ imageCatalogRef: { apiGroup: 'postgresql.cnpg.io', kind, name: 'pg', major } });

test('wantedVersion: the imageName tag, or the tag of the catalog image for the major, else the major', () => {
  assert.deepEqual(wantedVersion(cluster({ imageName: 'ghcr.io/cloudnative-pg/postgresql:16.1' }), undefined), { major: 16, minor: 1 });
  assert.deepEqual(wantedVersion(cluster(catalogRef('ImageCatalog', 16)), 'ghcr.io/cloudnative-pg/postgresql:16.14-standard-bookworm'), { major: 16, minor: 14 });
  assert.deepEqual(wantedVersion(cluster(catalogRef('ImageCatalog', 16)), undefined), { major: 16 });
  // An entry whose tag names another major than the one it is listed under: the listed major counts.
  assert.deepEqual(wantedVersion(cluster(catalogRef('ImageCatalog', 16)), 'postgres:17.2'), { major: 16 });
  assert.equal(wantedVersion(cluster({}), undefined), undefined);
});

test('catalogImage reads the namespaced or cluster-wide catalog the Cluster names', async () => {
  const asked: Array<[string, string | undefined, string]> = [];
  const store = {
    get: async (kind: string, namespace: string | undefined, name: string) => {
      asked.push([kind, namespace, name]);
      return { apiVersion: 'postgresql.cnpg.io/v1', kind, metadata: { name }, spec: { images: [{ major: 15, image: 'pg:15.18' }, { major: 16, image: 'pg:16.14' }] } };
    },
  };
  assert.equal(await catalogImage(store, cluster(catalogRef('ImageCatalog', 16))), 'pg:16.14');
  assert.equal(await catalogImage(store, cluster(catalogRef('ClusterImageCatalog', 17))), undefined);
  assert.deepEqual(asked, [['ImageCatalog', 'app', 'pg'], ['ClusterImageCatalog', undefined, 'pg']]);
  assert.equal(await catalogImage(store, cluster({ imageName: 'pg:16.1' })), undefined);
});
