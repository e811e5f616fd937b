import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateObject } from './index.js';
import { tablespacePvcName, tablespaceVolumeName } from './tablespaces.js';
import { clusterManifest, rejectionOf } from './testing.js';

const storage = { size: '1Gi' };
const rejected = (manifest: unknown) => rejectionOf(manifest).join('\n');
const withTablespaces = (...names: string[]) => clusterManifest({ storage, tablespaces: names.map((name) => ({ name, storage })) });

test('tablespace names are PostgreSQL identifiers that do not begin with pg_', () => {
  assert.doesNotThrow(() => validateObject(withTablespaces('idx', '_tmp', 'a$b', 'Data2')));
  assert.match(rejected(withTablespaces('pg_data')), /spec\.tablespaces\[0\]\.name: .*reserved: names beginning with pg_/);
  assert.match(rejected(withTablespaces('ok', '1abc')), /spec\.tablespaces\[1\]\.name: .*not a PostgreSQL identifier/);
  assert.match(rejected(withTablespaces('a-b')), /spec\.tablespaces\[0\]\.name: .*not a PostgreSQL identifier/);
  assert.match(rejected(withTablespaces('x'.repeat(64))), /at most 63 characters/);
});

test('two tablespaces may not share a name, in any case, nor a volume name', () => {
  assert.match(rejected(withTablespaces('idx', 'IDX')), /spec\.tablespaces\[1\]\.name: duplicate tablespace "IDX" \(first used at index 0\)/);
  assert.match(rejected(withTablespaces('a_b', 'a$b')), /spec\.tablespaces\[1\]\.name: .*volume name "tbs-a-b"/);
});

test('volume names are CloudNativePG’s', () => {
  assert.equal(tablespacePvcName('pg-1', 'idx'), 'pg-1-tbs-idx');
  assert.equal(tablespacePvcName('pg-1', '_My$tbs_x'), 'pg-1-tbs-1my-tbs-x');
  assert.equal(tablespaceVolumeName('Temp_1'), 'tbs-temp-1');
});
