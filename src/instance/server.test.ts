import test from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InstanceManager } from './manager.js';
import { MAX_EVENT_STREAMS, startStatusServer } from './server.js';
import { setTimeout as sleep } from 'node:timers/promises';

const TOKEN = 'the-manager-token';

/** The part of a manager the status server reads: its token, its status and its events. */
class FakeManager extends EventEmitter {
  readonly token = TOKEN;
  status(): Promise<{ phase: string; ready: boolean }> {
    return Promise.resolve({ phase: 'healthy', ready: true });
  }
}

function get(port: number, path: string, token?: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers: token ? { authorization: `Bearer ${token}` } : {} }, resolve);
    req.on('error', reject);
    req.end();
  });
}

async function text(res: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of res) body += String(chunk);
  return body;
}

test('the event stream needs the token, is capped, and probes still answer without a token', async () => {
  const server = await startStatusServer(new FakeManager() as unknown as InstanceManager, 0, () => undefined);
  const { port } = server.address() as AddressInfo;
  const held: IncomingMessage[] = [];
  try {
    const anonymous = await get(port, '/events');
    assert.equal(anonymous.statusCode, 401, 'an unauthenticated /events is refused');
    assert.match(await text(anonymous), /bearer token/);

    for (let i = 0; i < MAX_EVENT_STREAMS; i++) {
      const res = await get(port, '/events', TOKEN);
      assert.equal(res.statusCode, 200);
      held.push(res);
    }
    const extra = await get(port, '/events', TOKEN);
    assert.equal(extra.statusCode, 503, `stream ${MAX_EVENT_STREAMS + 1} is refused`);
    assert.match(await text(extra), /too many event streams/);

    for (const probe of ['/healthz', '/readyz', '/pg/status']) {
      const res = await get(port, probe);
      assert.equal(res.statusCode, 200, `${probe} without a token while the streams are held`);
      await text(res);
    }

    held.pop()?.destroy();
    await sleep(50);
    const again = await get(port, '/events', TOKEN);
    assert.equal(again.statusCode, 200, 'a closed stream frees its place');
    held.push(again);
  } finally {
    for (const res of held) res.destroy();
    server.closeAllConnections();
    server.close();
  }
});

test('the server caps its connections', async () => {
  const server = await startStatusServer(new FakeManager() as unknown as InstanceManager, 0, () => undefined);
  try {
    assert.ok(server.maxConnections > 0 && server.maxConnections <= 256, `maxConnections is ${server.maxConnections}`);
  } finally {
    server.close();
  }
});
