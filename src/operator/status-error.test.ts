import test from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { InstanceClient } from '../instance/client.js';
import { statusErrorOf } from './status-error.js';

test('a refused connection, a timeout and a reset are told apart', async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as { port: number }).port;
  await new Promise((r) => closed.close(r));
  const refused = await fetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
  assert.deepEqual(statusErrorOf(refused).statusErrorKind, 'refused');
  assert.match(statusErrorOf(refused).statusError, /ECONNREFUSED/);

  // Accepts and never answers: the request times out.
  const held: import('node:net').Socket[] = [];
  const silent = createServer((s) => void held.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const silentPort = (silent.address() as { port: number }).port;
  const timedOut = await fetch(`http://127.0.0.1:${silentPort}/`, { signal: AbortSignal.timeout(100) }).catch((e: unknown) => e);
  assert.equal(statusErrorOf(timedOut).statusErrorKind, 'timeout');

  // Accepts and hangs up: a broken connection proves nothing about the instance either.
  const rude = createServer((s) => s.destroy());
  await new Promise<void>((r) => rude.listen(0, '127.0.0.1', r));
  const reset = await fetch(`http://127.0.0.1:${(rude.address() as { port: number }).port}/`).catch((e: unknown) => e);
  assert.equal(statusErrorOf(reset).statusErrorKind, 'error');
  for (const s of held) s.destroy();
  silent.close();
  rude.close();
});

test('the instance client\'s failures carry the cause code the failover core tells apart', async () => {
  const listening = async (onConnection: (s: import('node:net').Socket) => void) => {
    const sockets: import('node:net').Socket[] = [];
    const server = createServer((s) => (sockets.push(s), onConnection(s)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { port: (server.address() as { port: number }).port, close: () => (sockets.forEach((s) => s.destroy()), server.close()) };
  };
  const status = (port: number) => new InstanceClient({ host: '127.0.0.1', port }).call('status').catch((e: unknown) => e);

  const gone = await listening(() => undefined);
  gone.close();
  const refused = await status(gone.port);
  assert.equal(statusErrorOf(refused).statusErrorKind, 'refused');
  assert.match(statusErrorOf(refused).statusError, /GET http:\/\/127\.0\.0\.1:\d+\/pg\/status: .*ECONNREFUSED/);

  const silent = await listening(() => undefined);
  assert.equal(statusErrorOf(await status(silent.port)).statusErrorKind, 'timeout');
  silent.close();

  const rude = await listening((s) => s.destroy());
  assert.equal(statusErrorOf(await status(rude.port)).statusErrorKind, 'error');
  rude.close();
});
