import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withoutPluginWord } from './global-options.js';

test('the plugin word after kubectl-style flags is dropped once', () => {
  assert.deepEqual(withoutPluginWord(['cnpg', 'psql', 'platform-pg', '-n', 'data']), ['psql', 'platform-pg', '-n', 'data']);
  assert.deepEqual(withoutPluginWord(['-n', 'data', 'cnpg', 'status', 'pg']), ['-n', 'data', 'status', 'pg']);
  assert.deepEqual(withoutPluginWord(['--context=x', 'cnpg', 'status', 'cnpg']), ['--context=x', 'status', 'cnpg']);
});

test('a name that happens to be "cnpg" is left alone', () => {
  assert.deepEqual(withoutPluginWord(['-n', 'cnpg', 'get', 'cluster', 'cnpg']), ['-n', 'cnpg', 'get', 'cluster', 'cnpg']);
  assert.deepEqual(withoutPluginWord(['exec', 'x-1', '--', 'cnpg']), ['exec', 'x-1', '--', 'cnpg']);
});
