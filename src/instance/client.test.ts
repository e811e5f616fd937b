import test from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { InstanceClient, ManagerError, type Exchange, type Transport } from './client.js';
import { ROUTES, type RouteInput, type RouteName } from './protocol.js';

/** Answers every request with `answer` and keeps what was sent. */
function recording(answer: { status: number; text: string }): Transport & { sent: Exchange[] } {
  const sent: Exchange[] = [];
  return { target: 'test', overheadMs: 0, sent, send: (e) => (sent.push(e), Promise.resolve(answer)) };
}

const inputs: { [N in RouteName]?: RouteInput<N> } = {
  backupReport: { params: { name: 'b1' } },
  replaceSpec: { body: { spec: {} as never, credentials: {} as never } },
  startBackup: { body: { backupName: 'b1' } },
  promote: { query: { minLsn: '0/1' } },
};

test('each call takes its method, path, token and timeout from the route table', async () => {
  for (const name of Object.keys(ROUTES) as RouteName[]) {
    const route = ROUTES[name];
    if ('stream' in route) continue;
    const transport = recording({ status: 200, text: '{}' });
    await new InstanceClient(transport, { token: 'secret' }).call(name, inputs[name] as never);
    const [sent] = transport.sent;
    assert.equal(sent?.method, route.method, name);
    assert.equal(sent?.path.split('?')[0]?.replace('/b1', '/:name'), route.path, name);
    assert.equal(sent?.timeoutMs, route.timeoutMs, name);
    assert.equal(sent?.headers.authorization, route.token ? 'Bearer secret' : undefined, `${name}: the token only where the table asks for it`);
  }
});

test('a relay adds its hop to the timeout; a token route without a token is not sent at all', async () => {
  const relay = { ...recording({ status: 200, text: '{}' }), overheadMs: 4000 };
  await new InstanceClient(relay).call('status');
  assert.equal(relay.sent[0]?.timeoutMs, ROUTES.status.timeoutMs + 4000);
  const direct = recording({ status: 200, text: '{}' });
  await assert.rejects(new InstanceClient(direct, { instance: 'pg-1' }).call('demote'), /pg-1: POST \/pg\/demote needs the manager's token/);
  assert.equal(direct.sent.length, 0);
});

test('404 is null only where the table says so; any other answer outside 2xx is an error with the manager\'s sentence', async () => {
  const notFound = recording({ status: 404, text: '{"error":"no such backup on this instance"}' });
  const client = new InstanceClient(notFound, { token: 't', instance: 'pg-2' });
  assert.equal(await client.call('backupReport', { params: { name: 'b1' } }), null);
  const err = await client.call('status').catch((e: unknown) => e);
  assert.ok(err instanceof ManagerError);
  assert.equal(err.status, 404);
  assert.equal(err.message, 'pg-2: GET /pg/status: 404 no such backup on this instance');
  const refused = recording({ status: 409, text: '{"error":"pg-2 is fenced"}' });
  await assert.rejects(new InstanceClient(refused, { token: 't', instance: 'pg-2' }).call('restart'), { message: 'pg-2: POST /pg/restart: 409 pg-2 is fenced', status: 409 });
});

test('a manager that does not answer within the route\'s timeout fails with ETIMEDOUT', async () => {
  const sockets: import('node:net').Socket[] = [];
  const silent = createServer(() => undefined);
  silent.on('connection', (s) => sockets.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  try {
    const port = (silent.address() as { port: number }).port;
    const started = performance.now();
    const err = (await new InstanceClient({ host: '127.0.0.1', port }).call('status').catch((e: unknown) => e)) as Error & { code?: string };
    const waited = performance.now() - started;
    assert.equal(err.code, 'ETIMEDOUT');
    assert.match(err.message, new RegExp(`GET http://127\\.0\\.0\\.1:${port}/pg/status: no answer within ${ROUTES.status.timeoutMs} ms`));
    assert.ok(waited >= ROUTES.status.timeoutMs - 50 && waited < ROUTES.status.timeoutMs + 500, `waited ${waited.toFixed(0)} ms`);
  } finally {
    for (const s of sockets) s.destroy();
    silent.close();
  }
});
