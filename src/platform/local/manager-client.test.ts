import test from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { statusErrorOf } from '../../operator/status-error.js';
import { managerRequest } from './manager-client.js';

async function listening(onConnection: (s: Socket) => void): Promise<{ port: number; close: () => void }> {
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    onConnection(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, close: () => (sockets.forEach((s) => s.destroy()), server.close()) };
}

test('the failover core can tell a refused manager from a silent or rude one', async () => {
  const gone = await listening(() => undefined);
  gone.close();
  const refused = await managerRequest(gone.port, '/pg/status', { timeoutMs: 500 }).catch((e: unknown) => e);
  assert.equal(statusErrorOf(refused).statusErrorKind, 'refused');
  assert.match(statusErrorOf(refused).statusError, /GET http:\/\/127\.0\.0\.1:\d+\/pg\/status: .*ECONNREFUSED/);

  const silent = await listening(() => undefined);
  const timedOut = await managerRequest(silent.port, '/pg/status', { timeoutMs: 100 }).catch((e: unknown) => e);
  assert.equal(statusErrorOf(timedOut).statusErrorKind, 'timeout');
  silent.close();

  const rude = await listening((s) => s.destroy());
  const reset = await managerRequest(rude.port, '/pg/status', { timeoutMs: 500 }).catch((e: unknown) => e);
  assert.equal(statusErrorOf(reset).statusErrorKind, 'error');
  rude.close();
});
