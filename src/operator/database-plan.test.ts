import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateObject } from '../api/index.js';
import { DATABASE_FINALIZER, databaseStatus, databaseStep, olderManager, planDatabase, type ClusterView, type StoredDatabase } from './database-plan.js';
import type { ObservedDatabase } from '../postgres/database-sql.js';

function database(spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}, status?: object): StoredDatabase {
  const { resource } = validateObject({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Database', metadata: { name: 'db-one', finalizers: [DATABASE_FINALIZER], ...meta }, spec: { name: 'one', owner: 'app', cluster: { name: 'pg' }, ...spec } });
  const stored = resource as StoredDatabase;
  return { ...stored, metadata: { ...stored.metadata, generation: 2, creationTimestamp: '2026-01-01T00:00:00Z', ...meta }, ...(status ? { status } : {}) };
}
const cluster: ClusterView = { exists: true, deleting: false, currentPrimary: 'pg-1', targetPrimary: 'pg-1', replica: false };
const present: ObservedDatabase = { exists: true, owner: 'app', allowConnections: true, connectionLimit: -1, isTemplate: false, tablespace: 'pg_default', extensions: {}, schemas: {} };

test('where a Database stands', () => {
  assert.deepEqual(databaseStep(database({}, { finalizers: [] }), cluster, []), { kind: 'addFinalizer' });
  assert.deepEqual(databaseStep(database(), cluster, []), { kind: 'reconcile', primary: 'pg-1' });
  assert.equal(databaseStep(database(), { ...cluster, targetPrimary: 'pg-2' }, []).kind, 'wait');
  const missing = databaseStep(database(), { ...cluster, exists: false }, []);
  assert.deepEqual(missing.kind === 'wait' && missing.status, { applied: false, message: 'cluster "pg" not found', observedGeneration: 2 });
  const replica = databaseStep(database(), { ...cluster, replica: true }, []);
  assert.match(replica.kind === 'wait' ? (replica.status.message ?? '') : '', /replica cluster/);
});

test('the older of two Database objects for one database keeps it; the newer is refused', () => {
  const older = database({}, { name: 'first', creationTimestamp: '2025-01-01T00:00:00Z' });
  const newer = database({}, { name: 'second' });
  assert.equal(olderManager(newer, [older, newer])?.metadata.name, 'first');
  assert.equal(olderManager(older, [older, newer]), undefined);
  const step = databaseStep(newer, cluster, [older, newer]);
  assert.equal(step.kind === 'wait' && step.status.message, 'database "one" is already managed by Database "first"');
  // Deleting the refused one never drops the database the other manages.
  const deleting = database({ databaseReclaimPolicy: 'delete' }, { name: 'second', deletionTimestamp: 'now' }, { applied: false });
  assert.deepEqual(databaseStep(deleting, cluster, [older, deleting]), { kind: 'finalize' });
});

test('deletion drops the database only with reclaim policy delete, once it was reconciled', () => {
  const deleted = (policy: string, status?: object) => database({ databaseReclaimPolicy: policy }, { deletionTimestamp: '2026-01-02T00:00:00Z' }, status);
  assert.deepEqual(databaseStep(deleted('delete', { applied: true }), cluster, []), { kind: 'finalize', drop: { primary: 'pg-1' } });
  assert.deepEqual(databaseStep(deleted('retain', { applied: true }), cluster, []), { kind: 'finalize' });
  assert.deepEqual(databaseStep(deleted('delete'), cluster, []), { kind: 'finalize' });
  assert.deepEqual(databaseStep(deleted('delete', { applied: true }), { ...cluster, deleting: true }, []), { kind: 'finalize' });
  assert.equal(databaseStep(deleted('delete', { applied: true }), { ...cluster, currentPrimary: undefined }, []).kind, 'wait');
});

test('a missing database is created alone; ensure: absent drops an existing one', () => {
  assert.deepEqual(planDatabase(database({ encoding: 'UTF8', connectionLimit: 5, extensions: [{ name: 'hstore' }] }).spec, { exists: false }), [
    { kind: 'createDatabase', database: 'one', options: { owner: 'app', encoding: 'UTF8', connectionLimit: 5 } },
  ]);
  assert.deepEqual(planDatabase(database({ ensure: 'absent' }).spec, present), [{ kind: 'dropDatabase', database: 'one' }]);
  assert.deepEqual(planDatabase(database({ ensure: 'absent' }).spec, { exists: false }), []);
});

test('drift is corrected and nothing else is touched', () => {
  assert.deepEqual(planDatabase(database().spec, present), []);
  assert.deepEqual(planDatabase(database({ connectionLimit: 3, allowConnections: true }).spec, { ...present, owner: 'postgres' }), [
    { kind: 'alterDatabase', database: 'one', setting: { field: 'owner', value: 'app' } },
    { kind: 'alterDatabase', database: 'one', setting: { field: 'connectionLimit', value: 3 } },
  ]);
});

test('extensions and schemas: created, upgraded, moved, dropped; schemas first', () => {
  const spec = database({
    extensions: [{ name: 'hstore', version: '1.8' }, { name: 'pg_trgm', ensure: 'absent' }, { name: 'citext', schema: 'ext' }, { name: 'cube' }],
    schemas: [{ name: 'ext', owner: 'app' }, { name: 'old', ensure: 'absent' }, { name: 'reports', owner: 'app' }],
  }).spec;
  const observed = { ...present, extensions: { hstore: { version: '1.4', schema: 'public' }, pg_trgm: { version: '1.6', schema: 'public' }, citext: { version: '1.6', schema: 'public' } }, schemas: { old: { owner: 'app' }, reports: { owner: 'postgres' } } };
  assert.deepEqual(planDatabase(spec, observed), [
    { kind: 'createSchema', database: 'one', name: 'ext', owner: 'app' },
    { kind: 'dropSchema', database: 'one', name: 'old' },
    { kind: 'alterSchemaOwner', database: 'one', name: 'reports', owner: 'app' },
    { kind: 'updateExtension', database: 'one', name: 'hstore', version: '1.8' },
    { kind: 'dropExtension', database: 'one', name: 'pg_trgm' },
    { kind: 'setExtensionSchema', database: 'one', name: 'citext', schema: 'ext' },
    { kind: 'createExtension', database: 'one', name: 'cube' },
  ]);
});

test('status: per object, and a failure named', () => {
  const db = database({ extensions: [{ name: 'hstore' }, { name: 'nope' }], schemas: [{ name: 's' }] });
  const actions = planDatabase(db.spec, present);
  const results = actions.map((a) => (a.kind === 'createExtension' && a.name === 'nope' ? { ok: false as const, error: 'extension "nope" is not available' } : { ok: true as const }));
  assert.deepEqual(databaseStatus(db, present, actions, results), {
    observedGeneration: 2,
    applied: false,
    message: 'database object reconciliation failed',
    schemas: [{ name: 's', applied: true }],
    extensions: [{ name: 'hstore', applied: true }, { name: 'nope', applied: false, message: 'extension "nope" is not available' }],
  });
  const failedCreate = databaseStatus(db, { exists: false }, [{ kind: 'createDatabase', database: 'one', options: { owner: 'app' } }], [{ ok: false, error: 'role "app" does not exist' }]);
  assert.deepEqual(failedCreate, { observedGeneration: 2, applied: false, message: 'role "app" does not exist' });
  assert.deepEqual(databaseStatus(database(), present, [], []), { observedGeneration: 2, applied: true, message: '' });
});
