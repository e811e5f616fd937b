import { test } from 'node:test';
import assert from 'node:assert/strict';
import { poolerPause, type PoolerAccess } from './pooler.js';

/** A Pooler pg-pooler, recording the spec patches the command writes. */
function fakeAccess(paused: boolean) {
  const written: Array<Record<string, unknown>> = [];
  const access: PoolerAccess = {
    getPooler: async (name) => ({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Pooler', metadata: { name }, spec: { cluster: { name: 'pg' }, pgbouncer: { paused } } }),
    patchPoolerSpec: async (_name, spec) => void written.push(spec),
  };
  return { access, written };
}

test('pause and resume write spec.pgbouncer.paused, and only when it changes', async () => {
  const running = fakeAccess(false);
  assert.equal(await poolerPause(running.access, 'pause', 'pg-pooler'), 'pooler pg-pooler pause requested\n');
  assert.deepEqual(running.written, [{ pgbouncer: { paused: true } }]);
  const paused = fakeAccess(true);
  assert.equal(await poolerPause(paused.access, 'resume', 'pg-pooler'), 'pooler pg-pooler resume requested\n');
  assert.deepEqual(paused.written, [{ pgbouncer: { paused: false } }]);
  assert.equal(await poolerPause(paused.access, 'pause', 'pg-pooler'), 'pooler pg-pooler is already paused\n');
  assert.equal(paused.written.length, 1);
});

test('anything but pause or resume is refused, naming what is allowed, before anything is read', async () => {
  const { access, written } = fakeAccess(false);
  await assert.rejects(poolerPause({ ...access, getPooler: () => assert.fail('read') }, 'drain', 'pg-pooler'), /pooler takes "pause" or "resume", got "drain"/);
  assert.deepEqual(written, []);
});
