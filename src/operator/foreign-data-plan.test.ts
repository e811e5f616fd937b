import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateObject } from '../api/index.js';
import type { DatabaseSpec } from '../api/database.js';
import type { ObservedDatabase } from '../postgres/database-sql.js';
import type { ObservedFdw } from '../postgres/foreign-data-sql.js';
import { DATABASE_FINALIZER, databaseStatus, observeRequest, planDatabase, type StoredDatabase } from './database-plan.js';
import { foreignDataActions, optionChanges } from './foreign-data-plan.js';

function database(spec: Record<string, unknown>): StoredDatabase {
  const { resource } = validateObject({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Database', metadata: { name: 'db-one', finalizers: [DATABASE_FINALIZER] }, spec: { name: 'one', owner: 'app', cluster: { name: 'pg' }, ...spec } });
  const stored = resource as StoredDatabase;
  return { ...stored, metadata: { ...stored.metadata, generation: 2 } };
}
const spec = (fields: Record<string, unknown>): DatabaseSpec => database(fields).spec;
const present: ObservedDatabase = { exists: true, owner: 'app', allowConnections: true, connectionLimit: -1, isTemplate: false, tablespace: 'pg_default', extensions: {}, schemas: {}, fdws: {}, servers: {} };
const wrapper = (fields: Partial<ObservedFdw> = {}): ObservedFdw => ({ handler: '-', validator: '-', owner: 'postgres', options: {}, usage: [], ...fields });

test('options: ADD what is missing, SET what differs, DROP what is wanted absent, the rest left alone', () => {
  const options = [
    { name: 'host', value: 'pg-rw', ensure: 'present' as const },
    { name: 'port', value: '5432', ensure: 'present' as const },
    { name: 'dbname', value: 'app', ensure: 'present' as const },
    { name: 'sslmode', value: '', ensure: 'absent' as const },
    { name: 'fetch_size', value: '', ensure: 'absent' as const },
  ];
  assert.deepEqual(optionChanges(options, { host: 'old-rw', dbname: 'app', sslmode: 'require', updatable: 'false' }), [
    { op: 'set', name: 'host', value: 'pg-rw' },
    { op: 'add', name: 'port', value: '5432' },
    { op: 'drop', name: 'sslmode' },
  ]);
  // An option named like an Object.prototype member is still just an option.
  assert.deepEqual(optionChanges([{ name: 'constructor', value: 'x', ensure: 'present' }], {}), [{ op: 'add', name: 'constructor', value: 'x' }]);
});

test('a missing wrapper and server are created with their present options, owner and grants, wrapper first', () => {
  const s = spec({
    servers: [{ name: 'remote', fdw: 'postgres_fdw', options: [{ name: 'host', value: 'pg-rw' }, { name: 'port', value: '5432', ensure: 'absent' }], usage: [{ name: 'app' }] }],
    fdws: [{ name: 'postgres_fdw', handler: 'postgres_fdw_handler', validator: '-', owner: 'admin', options: [{ name: 'debug', value: 'on' }], usage: [{ name: 'app', type: 'grant' }, { name: 'public', type: 'revoke' }] }],
  });
  assert.deepEqual(planDatabase(s, present), [
    { kind: 'createFdw', database: 'one', name: 'postgres_fdw', handler: 'postgres_fdw_handler', validator: '-', options: [{ op: 'add', name: 'debug', value: 'on' }] },
    { kind: 'alterFdwOwner', database: 'one', name: 'postgres_fdw', owner: 'admin' },
    { kind: 'grantUsage', database: 'one', object: 'fdw', name: 'postgres_fdw', role: 'app' },
    { kind: 'createServer', database: 'one', name: 'remote', fdw: 'postgres_fdw', options: [{ op: 'add', name: 'host', value: 'pg-rw' }] },
    { kind: 'grantUsage', database: 'one', object: 'server', name: 'remote', role: 'app' },
  ]);
  assert.deepEqual(observeRequest(s), { database: 'one', extensions: [], schemas: [], fdws: ['postgres_fdw'], servers: ['remote'] });
});

test('existing objects: only what differs from the spec is altered; grants follow the ACL', () => {
  const s = spec({
    fdws: [{ name: 'w', handler: 'h2', usage: [{ name: 'app' }, { name: 'PUBLIC', type: 'revoke' }, { name: 'gone', type: 'revoke' }] }],
    servers: [{ name: 'srv', fdw: 'w', options: [{ name: 'host', value: 'new' }], usage: [{ name: 'app' }, { name: 'old', type: 'revoke' }] }],
  });
  const observed = { fdws: { w: wrapper({ handler: 'h1', usage: ['PUBLIC'] }) }, servers: { srv: { fdw: 'w', options: { host: 'old', port: '1' }, usage: ['app', 'old'] } } };
  assert.deepEqual(foreignDataActions(s, observed), [
    { kind: 'alterFdw', database: 'one', name: 'w', handler: 'h2', options: [] },
    { kind: 'grantUsage', database: 'one', object: 'fdw', name: 'w', role: 'app' },
    { kind: 'revokeUsage', database: 'one', object: 'fdw', name: 'w', role: 'PUBLIC' },
    { kind: 'alterServer', database: 'one', name: 'srv', options: [{ op: 'set', name: 'host', value: 'new' }] },
    { kind: 'revokeUsage', database: 'one', object: 'server', name: 'srv', role: 'old' },
  ]);
  const settled = { fdws: { w: wrapper({ handler: 'h2', usage: ['app'] }) }, servers: { srv: { fdw: 'w', options: { host: 'new', port: '1' }, usage: ['app'] } } };
  assert.deepEqual(foreignDataActions(s, settled), []);
});

test('ensure: absent drops servers before the wrappers they use, and nothing that is already gone', () => {
  const s = spec({ fdws: [{ name: 'w', ensure: 'absent' }, { name: 'never', ensure: 'absent' }], servers: [{ name: 'srv', fdw: 'w', ensure: 'absent' }, { name: 'other', fdw: 'w', ensure: 'absent' }] });
  assert.deepEqual(foreignDataActions(s, { fdws: { w: wrapper() }, servers: { srv: { fdw: 'w', options: {}, usage: [] } } }), [
    { kind: 'dropServer', database: 'one', name: 'srv' },
    { kind: 'dropFdw', database: 'one', name: 'w' },
  ]);
  assert.deepEqual(foreignDataActions(s, { fdws: {}, servers: {} }), []);
});

test('status: an entry per wrapper and server, a failure named on its object', () => {
  const db = database({ fdws: [{ name: 'w', usage: [{ name: 'app' }] }], servers: [{ name: 'srv', fdw: 'w' }, { name: 'bad', fdw: 'nope' }] });
  const actions = planDatabase(db.spec, present);
  const results = actions.map((a) =>
    a.kind === 'grantUsage' ? { ok: false as const, error: 'role "app" does not exist' } : a.kind === 'createServer' && a.name === 'bad' ? { ok: false as const, error: 'foreign-data wrapper "nope" does not exist' } : { ok: true as const },
  );
  assert.deepEqual(databaseStatus(db, present, actions, results), {
    observedGeneration: 2,
    applied: false,
    message: 'database object reconciliation failed',
    fdws: [{ name: 'w', applied: false, message: 'role "app" does not exist' }],
    servers: [{ name: 'srv', applied: true }, { name: 'bad', applied: false, message: 'foreign-data wrapper "nope" does not exist' }],
  });
  const closed = databaseStatus(db, { ...present, allowConnections: false, extensions: undefined, schemas: undefined, fdws: undefined, servers: undefined }, [], []);
  assert.deepEqual(closed.servers?.[0], { name: 'srv', applied: false, message: 'the database does not accept connections' });
});
