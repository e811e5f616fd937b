import test from 'node:test';
import assert from 'node:assert/strict';
import type { StorageLayout } from './storage-layout.js';
import { parseSourceTablespaces, restoreTargets, tablespaceMappings } from './tablespace-mapping.js';

const layout: StorageLayout = {
  tablespaces: [
    { name: 'analytics', owner: 'app', temporary: false, directory: '/i/tablespaces/analytics', location: '/proc/self/cwd/cnpg_tablespaces/analytics' },
    { name: 'tmp_tbs', owner: 'app', temporary: true, directory: '/v/tablespaces/tmp_tbs/data', location: '/v/tablespaces/tmp_tbs/data' },
  ],
};

test("a backup's tablespaces go into this instance's folder of the same name, linked through its location", () => {
  assert.deepEqual(restoreTargets('20260101T000000', [{ name: 'analytics', oid: 16385, location: '/proc/self/cwd/cnpg_tablespaces/analytics' }], layout), [
    { oid: 16385, directory: '/i/tablespaces/analytics', link: '/proc/self/cwd/cnpg_tablespaces/analytics' },
  ]);
  assert.deepEqual(restoreTargets('20260101T000000', undefined, undefined), []);
});

test('a backup tablespace the Cluster does not declare is refused, naming it and spec.tablespaces', () => {
  assert.throws(
    () => restoreTargets('20260101T000000', [{ name: 'archive', oid: 16390, location: '/x' }], layout),
    /backup 20260101T000000 has tablespace "archive", which this Cluster does not declare \(it declares analytics, tmp_tbs\): add it to spec\.tablespaces \(name: archive\)/,
  );
  assert.throws(() => restoreTargets('20260101T000000', [{ name: 'archive', oid: 16390, location: '/x' }], undefined), /does not declare: add it to spec\.tablespaces/);
});

test("pg_basebackup maps each source location to this instance's folder, escaping '='", () => {
  const found = parseSourceTablespaces('[{"name": "analytics", "location": "/data/a=b"}, {"name": "tmp_tbs", "location": "/proc/self/cwd/cnpg_tablespaces/tmp_tbs"}, {"name": "inplace", "location": "pg_tblspc/16999"}]\n');
  assert.deepEqual(tablespaceMappings('src', found, layout), [
    '--tablespace-mapping=/data/a\\=b=/i/tablespaces/analytics',
    '--tablespace-mapping=/proc/self/cwd/cnpg_tablespaces/tmp_tbs=/v/tablespaces/tmp_tbs/data',
  ]);
  assert.deepEqual(tablespaceMappings('src', parseSourceTablespaces('WARNING: something\n[]\n'), undefined), []);
});

test('a source tablespace not declared, or one with a control character, is refused', () => {
  assert.throws(() => tablespaceMappings('src', [{ name: 'other', location: '/x' }], layout), /the source src has tablespace "other", which this Cluster does not declare .*spec\.tablespaces/);
  assert.throws(() => tablespaceMappings('src', [{ name: 'analytics', location: '/x\n--waldir=/etc' }], layout), /control character/);
  assert.throws(() => parseSourceTablespaces('[{"name": 1}]'), /unexpected tablespace list/);
});
