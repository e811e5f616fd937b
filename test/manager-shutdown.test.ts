// A manager in its smart shutdown (a Pod deleted: SIGTERM) still answers the operator's isolate:
// PostgreSQL stops fast and the reply reaches the operator before the manager exits. Were the reply
// lost, the operator could not tell an isolated primary from an unreachable one and would wait out
// the isolation window before promoting (the Kubernetes primary-Pod deletion took 17–19 s so).
import test from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { StandaloneInstance } from './support/standalone-instance.js';

test('isolate during a smart shutdown stops PostgreSQL at once and answers before the manager exits', { timeout: 180_000 }, async (t) => {
  const instance = await StandaloneInstance.start({ name: 'smart' });
  t.after(() => instance.stop());
  // A session held open keeps a smart shutdown waiting (smartShutdownTimeout, 180 s by default).
  const session = new pg.Client({ host: '127.0.0.1', port: instance.spec.pgPort, user: 'app', password: 'app-password', database: 'app' });
  await session.connect();
  session.on('error', () => undefined);
  assert.equal((await session.query('SELECT 1 AS one')).rows[0].one, 1);

  instance.signal('SIGTERM');
  await sleep(1000);
  assert.equal((await session.query('SELECT 2 AS two')).rows[0].two, 2, 'a smart shutdown lets the session go on');

  const started = Date.now();
  const res = await fetch(`http://127.0.0.1:${instance.spec.statusPort}/pg/isolate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${instance.token}` },
    signal: AbortSignal.timeout(10_000),
  });
  assert.equal(res.status, 200, await res.text());
  assert.ok(Date.now() - started < 5000, `isolate took ${Date.now() - started} ms`);
  await assert.rejects(session.query('SELECT 3'), 'the held session is cut');
});
