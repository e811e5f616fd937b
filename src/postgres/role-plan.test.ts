import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isReservedRoleName as isReservedRole } from '../api/cluster-managed.js';
import { planRoles, type DatabaseRole, type DesiredRole } from './role-plan.js';

const attrs = { login: false, superuser: false, createdb: false, createrole: false, inherit: true, replication: false, bypassrls: false, connectionLimit: -1 };
const want = (name: string, more: Partial<DesiredRole> = {}): DesiredRole => ({ name, ensure: 'present', inRoles: [], disablePassword: false, hasPasswordSecret: false, ...attrs, ...more });
const have = (name: string, more: Partial<DatabaseRole> = {}): DatabaseRole => ({ name, validUntil: null, comment: '', inRoles: [], transactionID: 100, ...attrs, ...more });
const applied = (name: string, transactionID = 100, resourceVersion?: string) => ({ [name]: { transactionID, ...(resourceVersion ? { resourceVersion } : {}) } });

test('reserved: the operator’s roles and PostgreSQL’s', () => {
  for (const name of ['postgres', 'streaming_replica', 'cnpg_pooler_pgbouncer', 'cnpg_metrics_exporter', 'pg_monitor']) assert.equal(isReservedRole(name), true, name);
  assert.equal(isReservedRole('app'), false);
});

test('roles are sorted by status; those outside the spec are left alone', () => {
  const plan = planRoles([want('dante', { login: true }), want('gone', { ensure: 'absent' })], [have('postgres'), have('app'), have('dante', { login: true })], applied('dante'), {});
  assert.deepEqual(plan.byStatus, { reserved: ['postgres'], 'not-managed': ['app'], reconciled: ['dante', 'gone'] });
  assert.deepEqual(plan.work, []);
});

test('a missing role is created, with its comment and memberships', () => {
  const plan = planRoles([want('dante', { comment: 'poet', inRoles: ['pg_monitor'] })], [], {}, {});
  assert.deepEqual(plan.byStatus, { 'pending-reconciliation': ['dante'] });
  assert.deepEqual(plan.work[0]?.steps, [{ kind: 'create', password: 'keep' }, { kind: 'comment', comment: 'poet' }, { kind: 'memberships', grant: ['pg_monitor'], revoke: [] }]);
});

test('an attribute changed by hand is altered back; VALID UNTIL once set goes to infinity', () => {
  const plan = planRoles([want('dante', { login: true })], [have('dante', { login: false, validUntil: Date.parse('2030-01-01T00:00:00Z') })], applied('dante'), {});
  assert.deepEqual(plan.work[0]?.steps, [{ kind: 'alter', password: 'keep', validUntil: 'infinity' }]);
});

test('validUntil compares as an instant, whatever the spelling', () => {
  const spec = want('dante', { validUntil: '2030-01-01T01:00:00+01:00' });
  assert.deepEqual(planRoles([spec], [have('dante', { validUntil: Date.parse('2030-01-01T00:00:00Z') })], applied('dante'), {}).work, []);
  assert.equal(planRoles([spec], [have('dante', { validUntil: Infinity })], applied('dante'), {}).work.length, 1);
});

test('a password is applied again when its Secret changes or the role was altered since', () => {
  const spec = want('dante', { hasPasswordSecret: true, login: true });
  const db = have('dante', { login: true, transactionID: 100 });
  assert.deepEqual(planRoles([spec], [db], applied('dante', 100, '7'), { dante: '7' }).work, []);
  assert.deepEqual(planRoles([spec], [db], applied('dante', 100, '7'), { dante: '8' }).work[0]?.steps, [{ kind: 'alter', password: 'secret' }]);
  assert.deepEqual(planRoles([spec], [{ ...db, transactionID: 101 }], applied('dante', 100, '7'), { dante: '7' }).work[0]?.steps, [{ kind: 'alter', password: 'secret' }]);
  // Its Secret missing: pending until it exists.
  assert.deepEqual(planRoles([spec], [db], applied('dante', 100, '7'), {}).byStatus, { 'pending-reconciliation': ['dante'] });
});

test('disablePassword removes the password', () => {
  const plan = planRoles([want('dante', { disablePassword: true })], [have('dante')], {}, {});
  assert.deepEqual(plan.work[0]?.steps, [{ kind: 'alter', password: 'null' }]);
});

test('comments and memberships are corrected on their own', () => {
  const plan = planRoles([want('dante', { inRoles: ['b', 'c'] })], [have('dante', { comment: 'by hand', inRoles: ['a', 'b'] })], applied('dante'), {});
  assert.deepEqual(plan.work[0]?.steps, [{ kind: 'comment', comment: '' }, { kind: 'memberships', grant: ['c'], revoke: ['a'] }]);
});

test('ensure absent drops an existing role only', () => {
  assert.deepEqual(planRoles([want('gone', { ensure: 'absent' })], [have('gone')], {}, {}).work[0]?.steps, [{ kind: 'drop' }]);
  assert.deepEqual(planRoles([want('gone', { ensure: 'absent' })], [], {}, {}).work, []);
});
