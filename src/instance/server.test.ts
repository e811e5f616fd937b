import test from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InstanceClient, ManagerError } from './client.js';
import type { InstanceManager } from './manager.js';
import { MAX_BODY_BYTES, ROUTES, routePath, type RouteInput, type RouteName } from './protocol.js';
import { MAX_EVENT_STREAMS, startStatusServer } from './server.js';
import { setTimeout as sleep } from 'node:timers/promises';

const TOKEN = 'the-manager-token';

/** A manager whose every verb succeeds at once and says which one ran. */
class FakeManager extends EventEmitter {
  readonly token = TOKEN;
  readonly ran: string[] = [];
  status(): Promise<{ phase: string; ready: boolean }> {
    return Promise.resolve({ phase: 'healthy', ready: true });
  }
  private did<T>(verb: string, result: T): Promise<T> {
    this.ran.push(verb);
    return Promise.resolve(result);
  }
  backupReport = (name: string) => (name === 'b1' ? { backupName: 'b1', phase: 'running' } : undefined);
  replaceSpec = () => this.did('replaceSpec', undefined);
  requestReconcile = () => this.did('requestReconcile', undefined);
  restartPostgres = () => this.did('restartPostgres', undefined);
  promote = (minLsn?: string) => this.did(`promote ${minLsn}`, { phase: 'running' });
  demote = () => this.did('demote', { lsn: '0/3000060' });
  isolate = () => this.did('isolate', undefined);
  startBackup = (r: { backupName: string }) => (this.ran.push(`startBackup ${r.backupName}`), { backupName: r.backupName, phase: 'running' });
  refreshCatalog = () => this.did('refreshCatalog', undefined);
  snapshotBackup = {
    start: (r: { backupName: string; immediateCheckpoint: boolean }) => this.did(`snapshotStart ${r.backupName} ${r.immediateCheckpoint}`, { beginLSN: '0/1' }),
    stop: (r: { backupName: string; waitForArchive: boolean }) => this.did(`snapshotStop ${r.backupName} ${r.waitForArchive}`, { endLSN: '0/2' }),
    abort: (name: string) => this.did(`snapshotAbort ${name}`, undefined),
  };
  logicalReplication = (r: { kind: string; name: string }) => this.did(`logicalReplication ${r.kind} ${r.name}`, { applied: true });
  observeDatabase = (r: { database: string }) => this.did(`observeDatabase ${r.database}`, { exists: false });
  applyDatabase = (actions: unknown[]) => this.did(`applyDatabase ${actions.length}`, [{ ok: true }]);
  controlData = () => this.did('controlData', "Latest checkpoint's TimeLineID:       1\n");
}

const inputs: { [N in RouteName]?: RouteInput<N> } = {
  backupReport: { params: { name: 'b1' } },
  replaceSpec: { body: { spec: {} as never, credentials: {} as never } },
  startBackup: { body: { backupName: 'b1' } },
  snapshotBackupStart: { body: { backupName: 's1', immediateCheckpoint: true } },
  snapshotBackupStop: { body: { backupName: 's1', waitForArchive: false } },
  snapshotBackupAbort: { body: { backupName: 's1' } },
  promote: { query: { minLsn: '0/1' } },
  logicalReplication: { body: { kind: 'publication', dbname: 'app', name: 'pub' } },
  observeDatabase: { body: { database: 'app', extensions: [], schemas: [], fdws: [], servers: [] } },
  applyDatabase: { body: { actions: [{ kind: 'dropDatabase', database: 'app' }] } },
};

async function status(port: number, method: string, path: string, token?: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('the server answers every route of the table, asks for the token exactly where the table does, and knows no other', async () => {
  const manager = new FakeManager();
  let shutdowns = 0;
  const server = await startStatusServer(manager as unknown as InstanceManager, 0, () => void shutdowns++);
  const { port } = server.address() as AddressInfo;
  try {
    const client = new InstanceClient({ host: '127.0.0.1', port }, { token: TOKEN });
    for (const name of Object.keys(ROUTES) as RouteName[]) {
      const route = ROUTES[name];
      const path = routePath(name, inputs[name] as never);
      if (route.token) assert.equal(await status(port, route.method, path), 401, `${name} without the token`);
      if (route.token) assert.equal(await status(port, route.method, path, 'wrong'), 401, `${name} with a wrong token`);
      if ('stream' in route) continue;
      await client.call(name, inputs[name] as never);
    }
    assert.deepEqual(manager.ran, ['replaceSpec', 'requestReconcile', 'restartPostgres', 'promote 0/1', 'demote', 'isolate', 'startBackup b1', 'refreshCatalog', 'snapshotStart s1 true', 'snapshotStop s1 false', 'snapshotAbort s1', 'controlData', 'logicalReplication publication pub', 'observeDatabase app', 'applyDatabase 1']);
    await new Promise((r) => setImmediate(r));
    assert.equal(shutdowns, 1);
    assert.equal(await client.call('backupReport', { params: { name: 'other' } }), null);
    for (const [method, path] of [['GET', '/pg/promote'], ['POST', '/pg/status'], ['POST', '/pg/nothing'], ['DELETE', '/spec'], ['GET', '/']]) {
      assert.equal(await status(port, method!, path!, TOKEN), 404, `${method} ${path}`);
    }
  } finally {
    server.close();
  }
});

test('request bodies are checked and capped', async () => {
  const manager = new FakeManager();
  const server = await startStatusServer(manager as unknown as InstanceManager, 0, () => undefined);
  const { port } = server.address() as AddressInfo;
  try {
    const client = new InstanceClient({ host: '127.0.0.1', port }, { token: TOKEN });
    await assert.rejects(client.call('snapshotBackupStart', { body: { backupName: '../x', immediateCheckpoint: false } }), (e: unknown) => e instanceof ManagerError && e.status === 400 && /backupName must be a resource name/.test(e.message));
    await assert.rejects(client.call('snapshotBackupStop', { body: { backupName: 's1', waitForArchive: 'yes' as never } }), (e: unknown) => e instanceof ManagerError && e.status === 400 && /waitForArchive must be true or false/.test(e.message));
    await assert.rejects(client.call('startBackup', { body: { backupName: '../x' } }), (e: unknown) => e instanceof ManagerError && e.status === 400 && /backupName must be a resource name/.test(e.message));
    assert.equal(await status(port, 'PUT', '/spec', TOKEN, '[1]'), 400);
    // Database actions outside the known shapes (a name PostgreSQL would truncate, an unknown verb) are refused.
    await assert.rejects(client.call('applyDatabase', { body: { actions: [{ kind: 'dropDatabase', database: 'a'.repeat(64) }] } }), (e: unknown) => e instanceof ManagerError && e.status === 400);
    await assert.rejects(client.call('applyDatabase', { body: { actions: [{ kind: 'runSql', database: 'a' }] as never } }), (e: unknown) => e instanceof ManagerError && e.status === 400);
    // Refused with 400, or cut off while still sending: either way the spec is not taken.
    const huge = JSON.stringify({ spec: { padding: 'x'.repeat(MAX_BODY_BYTES) }, credentials: {} });
    assert.equal(await status(port, 'PUT', '/spec', TOKEN, huge).catch((e: NodeJS.ErrnoException) => e.code), 400);
    assert.deepEqual(manager.ran, []);
  } finally {
    server.close();
  }
});

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
