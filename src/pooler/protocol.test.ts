import test from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PoolerManagerClient } from './client.js';
import { matchRoute, ROUTES } from './protocol.js';

test('every route is matched by its method and path only', () => {
  for (const [name, route] of Object.entries(ROUTES)) assert.equal(matchRoute(route.method, route.path), name);
  assert.equal(matchRoute('POST', '/status'), undefined);
  assert.equal(matchRoute('GET', '/status/'), undefined);
  assert.equal(matchRoute('GET', '/nope'), undefined);
});

test('the client reads JSON and text answers, takes readyz\'s 503 as not ready, and names the manager in errors', async () => {
  const answers: Record<string, [number, string]> = {
    '/status': [200, JSON.stringify({ ready: false, paused: false, restarts: 0 })],
    '/readyz': [503, JSON.stringify({ ready: false })],
    '/metrics': [200, 'cnpg_pgbouncer_up 1\n'],
    '/healthz': [500, JSON.stringify({ error: 'boom' })],
  };
  const server = createServer((req, res) => {
    const [code, body] = answers[req.url ?? ''] ?? [404, '{}'];
    res.writeHead(code).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const client = new PoolerManagerClient({ host: '127.0.0.1', port });
    assert.deepEqual(await client.status(), { ready: false, paused: false, restarts: 0 });
    assert.equal(await client.ready(), false);
    assert.equal(await client.metrics(), 'cnpg_pgbouncer_up 1\n');
    await assert.rejects(client.call('healthz'), new RegExp(`GET http://127.0.0.1:${port}/healthz: 500`));
  } finally {
    server.close();
  }
  await assert.rejects(new PoolerManagerClient({ host: '127.0.0.1', port }).status(), (e: Error & { code?: string }) => e.code === 'ECONNREFUSED');
});
