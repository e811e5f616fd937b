import test from 'node:test';
import assert from 'node:assert/strict';
import { expandTargetDatabases } from './target-databases.js';

const dbs = ['app', 'db_a', 'db_b', 'dbx', 'postgres'];

test('names are kept, patterns match whole names among the connectable databases, each once', () => {
  assert.deepEqual(expandTargetDatabases(['*'], dbs), dbs);
  assert.deepEqual(expandTargetDatabases(['db_*', 'app', 'db_a'], dbs), ['db_a', 'db_b', 'app']);
  assert.deepEqual(expandTargetDatabases(['db?'], dbs), ['dbx']);
  assert.deepEqual(expandTargetDatabases(['db_[ab]'], dbs), ['db_a', 'db_b']);
  assert.deepEqual(expandTargetDatabases(['db_[!a]'], dbs), ['db_b']);
  assert.deepEqual(expandTargetDatabases(['missing'], dbs), ['missing'], 'a named database is tried, and fails loudly if absent');
  assert.deepEqual(expandTargetDatabases(['a.p'], ['app', 'a.p']), ['a.p']);
});
