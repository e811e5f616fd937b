import { test } from 'node:test';
import assert from 'node:assert/strict';
import { librarySettings, preloadLibraries, usedManagedExtensions } from './libraries.js';

test('a managed extension is used when one of its parameters is set, whatever the case', () => {
  assert.deepEqual(usedManagedExtensions({ 'PGAudit.log': 'write', work_mem: '4MB', 'auto_explain.log_min_duration': '1s' }).map((e) => e.name), ['pgaudit', 'auto_explain']);
  assert.deepEqual(usedManagedExtensions({ pg_stat_statements_max: '1' }), [], 'a prefix without the dot is another parameter');
});

test("the user's libraries come first, then the managed ones, each once", () => {
  assert.deepEqual(preloadLibraries(['pg_stat_statements', 'timescaledb'], { 'pg_stat_statements.max': '100', 'pgaudit.log': 'all' }), ['pg_stat_statements', 'timescaledb', 'pgaudit']);
  assert.deepEqual(preloadLibraries([], {}), []);
});

test('settings: nothing for a plain Cluster on 15; allow_alter_system from 17', () => {
  const base = { userLibraries: [], parameters: {}, extensions: [], enableAlterSystem: false };
  assert.deepEqual(librarySettings({ ...base, major: 15 }), {});
  assert.deepEqual(librarySettings({ ...base, major: 17 }), { allow_alter_system: 'off' });
  assert.deepEqual(librarySettings({ ...base, major: 18, enableAlterSystem: true }), { allow_alter_system: 'on' });
});

test("declared extensions' folders join the search paths after the server's own, before the user's", () => {
  const settings = librarySettings({
    major: 18,
    userLibraries: ['vector'],
    parameters: { dynamic_library_path: '/opt/mine/lib', 'pg_stat_statements.track': 'all' },
    extensions: [
      { controlPaths: ['/extensions/pgvector/share'], libraryPaths: ['/extensions/pgvector/lib'] },
      { controlPaths: ['/extensions/postgis/share'], libraryPaths: ['/extensions/postgis/lib', '/extensions/postgis/lib2'] },
    ],
    enableAlterSystem: false,
  });
  assert.deepEqual(settings, {
    shared_preload_libraries: 'vector,pg_stat_statements',
    extension_control_path: '$system:/extensions/pgvector/share:/extensions/postgis/share',
    dynamic_library_path: '$libdir:/extensions/pgvector/lib:/extensions/postgis/lib:/extensions/postgis/lib2:/opt/mine/lib',
    allow_alter_system: 'off',
  });
});
