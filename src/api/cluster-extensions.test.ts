import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateObject } from './index.js';
import { clusterManifest, rejectionOf } from './testing.js';
import { notActedOn } from './support.js';
import { expandPlaceholders, unknownPlaceholders } from './cluster-extensions.js';

const storage = { size: '1Gi' };
const pgvector = { name: 'pgvector', image: { reference: 'ghcr.io/cloudnative-pg/pgvector:0.8.1-18-trixie' } };

test('libraries: names only', () => {
  validateObject(clusterManifest({ storage, postgresql: { shared_preload_libraries: ['pg_stat_statements', 'auto_explain', 'timescaledb-2.14.2'] } }));
  for (const bad of ['a,b', '$libdir/x', '/usr/lib/x', "x'", 'x\n', '']) {
    const issues = rejectionOf(clusterManifest({ storage, postgresql: { shared_preload_libraries: [bad] } }));
    assert.ok(issues.some((i) => i.includes('spec.postgresql.shared_preload_libraries[0]')), `${JSON.stringify(bad)}: ${issues.join(' | ')}`);
  }
});

test('extensions: accepted on 18 as the reference writes them, and no longer warned about', () => {
  const manifest = clusterManifest({ storage, imageName: 'ghcr.io/cloudnative-pg/postgresql:18.1-minimal-trixie', postgresql: { extensions: [pgvector, { ...pgvector, name: 'postgis', extension_control_path: ['/share'], dynamic_library_path: ['lib', 'system'] }] } });
  validateObject(manifest);
  assert.deepEqual(notActedOn('Cluster', manifest), []);
  const extension = { ...pgvector, env: [{ name: 'GDAL_DATA', value: '${image_root}/share/gdal' }], ld_library_path: ['lib', '/usr/lib'], bin_path: ['bin'] };
  const withEnv = clusterManifest({ storage, imageName: 'ghcr.io/cloudnative-pg/postgresql:18.1', postgresql: { extensions: [extension] } });
  validateObject(withEnv);
  assert.deepEqual(notActedOn('Cluster', withEnv), []);
});

test('extensions: refused on a major without extension_control_path, naming the field', () => {
  const issues = rejectionOf(clusterManifest({ storage, imageName: 'ghcr.io/cloudnative-pg/postgresql:17.2', postgresql: { extensions: [pgvector] } }));
  assert.ok(issues.some((i) => i.includes('spec.postgresql.extensions') && i.includes('PostgreSQL 18') && i.includes('PostgreSQL 17')), issues.join(' | '));
});

test('extensions: bad names, paths that leave the folder, duplicate volumes, a missing image, reserved variables', () => {
  const image = 'ghcr.io/cloudnative-pg/postgresql:18.1';
  const cases: [unknown[], string][] = [
    [[{ ...pgvector, name: 'PgVector' }], 'spec.postgresql.extensions[0].name'],
    [[{ ...pgvector, extension_control_path: ['../etc'] }], 'spec.postgresql.extensions[0].extension_control_path[0]'],
    [[pgvector, pgvector], 'spec.postgresql.extensions[1].name'],
    [[{ ...pgvector, name: 'pg_ivm' }, { ...pgvector, name: 'pg-ivm' }], 'spec.postgresql.extensions[1].name'],
    [[{ name: 'pgvector' }], 'spec.postgresql.extensions[0].image.reference'],
    [[{ ...pgvector, env: [{ name: 'LD_LIBRARY_PATH', value: '/x' }] }], 'spec.postgresql.extensions[0].env[0].name'],
    [[{ ...pgvector, env: [{ name: 'pgdata', value: '/x' }] }], 'spec.postgresql.extensions[0].env[0].name'],
    [[{ ...pgvector, env: [{ name: 'A', value: '1' }, { name: 'A', value: '2' }] }], 'spec.postgresql.extensions[0].env[1].name'],
    [[{ ...pgvector, env: [{ name: 'A', value: '${image_root}/${typo}' }] }], 'spec.postgresql.extensions[0].env[0].value'],
    [[{ ...pgvector, env: [{ name: 'A', value: 'a\nb' }] }], 'spec.postgresql.extensions[0].env[0].value'],
    [[{ ...pgvector, ld_library_path: ['lib/../../etc'] }], 'spec.postgresql.extensions[0].ld_library_path[0]'],
    [[{ ...pgvector, ld_library_path: ['lib:/tmp'] }], 'spec.postgresql.extensions[0].ld_library_path[0]'],
    [[{ ...pgvector, bin_path: ['..'] }], 'spec.postgresql.extensions[0].bin_path[0]'],
    [[{ ...pgvector, bin_path: ['bin\t'] }], 'spec.postgresql.extensions[0].bin_path[0]'],
  ];
  for (const [extensions, path] of cases) {
    const issues = rejectionOf(clusterManifest({ storage, imageName: image, postgresql: { extensions } }));
    assert.ok(issues.some((i) => i.includes(path)), `${path}: ${issues.join(' | ')}`);
  }
});

test('allow_alter_system is the operator\'s: enableAlterSystem sets it', () => {
  const issues = rejectionOf(clusterManifest({ storage, postgresql: { parameters: { allow_alter_system: 'on' } } }));
  assert.ok(issues.some((i) => i.includes('allow_alter_system') && i.includes('enableAlterSystem')), issues.join(' | '));
});

test('env placeholders: ${image_root} is the extension folder, $${…} a literal, others left and named', () => {
  assert.equal(expandPlaceholders('${image_root}/share:$${image_root}:$$${image_root}', '/extensions/postgis'), '/extensions/postgis/share:${image_root}:$/extensions/postgis');
  assert.deepEqual(unknownPlaceholders('${image_root}/${typo}/$${literal}/$HOME'), ['${typo}']);
});
