import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { extensionFolderProblem, missingLibraries, pkglibdir } from './library-files.js';

const BIN = '/usr/lib/postgresql/15/bin';

test("libraries are looked for in the build's pkglibdir and in declared extensions' folders", { skip: !existsSync(BIN) && 'no Debian PostgreSQL 15' }, () => {
  assert.equal(pkglibdir(BIN), '/usr/lib/postgresql/15/lib');
  const base = { binDir: BIN, major: 15, extensionLibraryDirs: [] as string[] };
  assert.deepEqual(missingLibraries({ ...base, libraries: ['pg_stat_statements', 'auto_explain'], parameters: { 'auto_explain.log_min_duration': '1s' } }), []);
  const missing = missingLibraries({ ...base, libraries: ['pg_stat_statements', 'no_such_lib'], parameters: { 'pgaudit_x.y': '1' } });
  assert.deepEqual(missing.map((f) => f.path), [['shared_preload_libraries', 1]]);
  assert.match(missing[0]?.message ?? '', /"no_such_lib" is not installed for PostgreSQL 15/);
  assert.deepEqual(missingLibraries({ ...base, libraries: ['plpgsql_copy'], parameters: {}, extensionLibraryDirs: ['/usr/lib/postgresql/15/lib'] }).length, 1);
  assert.deepEqual(missingLibraries({ ...base, libraries: ['plpgsql'], parameters: {}, extensionLibraryDirs: ['/nowhere'] }), []);
});

test('locally an extension names an existing absolute folder', () => {
  assert.match(extensionFolderProblem('ghcr.io/cloudnative-pg/pgvector:0.8.1') ?? '', /absolute path/);
  assert.match(extensionFolderProblem('/no/such/folder/here') ?? '', /does not exist/);
  assert.equal(extensionFolderProblem('/usr'), undefined);
});
