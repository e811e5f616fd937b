import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from '../api/testing.js';
import { librariesConfig } from './libraries-config.js';
import { extensionFolders } from '../instance/libraries-spec.js';

test('left out while everything has its default, so existing configuration hashes stay', () => {
  assert.deepEqual(librariesConfig(fixture('Cluster', { storage: { size: '1Gi' } })), {});
  assert.deepEqual(librariesConfig(fixture('Cluster', { storage: { size: '1Gi' }, postgresql: { enableAlterSystem: false, shared_preload_libraries: [] } })), {});
});

test('libraries, enableAlterSystem and extensions as an instance is told them; folders under the mount point or the named folder', () => {
  const cluster = fixture('Cluster', {
    storage: { size: '1Gi' },
    imageName: 'ghcr.io/cloudnative-pg/postgresql:18.1',
    postgresql: { enableAlterSystem: true, shared_preload_libraries: ['vector'], extensions: [{ name: 'pgvector', image: { reference: '/opt/pgvector' }, dynamic_library_path: ['/lib', 'lib/more'] }] },
  });
  const { libraries } = librariesConfig(cluster);
  assert.deepEqual(libraries, { sharedPreloadLibraries: ['vector'], enableAlterSystem: true, extensions: [{ name: 'pgvector', reference: '/opt/pgvector', dynamic_library_path: ['/lib', 'lib/more'] }] });
  assert.deepEqual(extensionFolders(libraries?.extensions ?? [], '/extensions'), [{ controlPaths: ['/extensions/pgvector/share'], libraryPaths: ['/extensions/pgvector/lib', '/extensions/pgvector/lib/more'] }]);
  assert.deepEqual(extensionFolders(libraries?.extensions ?? [], undefined), [{ controlPaths: ['/opt/pgvector/share'], libraryPaths: ['/opt/pgvector/lib', '/opt/pgvector/lib/more'] }]);
});
