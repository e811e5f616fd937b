// Kernel forwarding of the local endpoints against the real kernel: an nftables table of the test's
// own (named after its private home, removed at the end), plain TCP servers as backends and the
// endpoint proxy listening behind the rules as it does for a cluster. Needs root (CAP_NET_ADMIN).
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chooseForwarding, type KernelForwarding } from '../src/platform/local/kernel-forwarding.js';
import { freePort } from '../src/platform/local/ports.js';
import { EndpointProxy, type Routes } from '../src/platform/local/proxy.js';
import { eventually } from './support/env.js';

const root = process.getuid?.() === 0;
const home = mkdtempSync(join(tmpdir(), 'cnpg-forwarding-'));
const routesFile = join(home, 'routes.json');

/** A backend answers every connection with its own port and remembers the peer ports it saw. */
interface Backend {
  port: number;
  server: Server;
  peers: number[];
  sockets: Set<Socket>;
}

const backends: Backend[] = [];
const clients: Socket[] = [];
let forwarding: KernelForwarding;
let proxy: EndpointProxy;
let listeners: Record<'rw' | 'ro' | 'r', { host: string; port: number }>;
let current: Routes | undefined;

async function backend(): Promise<Backend> {
  const b: Backend = { port: 0, server: createServer(), peers: [], sockets: new Set() };
  b.server.on('connection', (s) => {
    b.peers.push(s.remotePort as number);
    b.sockets.add(s);
    s.on('close', () => b.sockets.delete(s));
    s.on('error', () => undefined);
    s.write(`${b.port}\n`);
  });
  await new Promise<void>((resolve) => b.server.listen(0, '127.0.0.1', () => resolve()));
  b.port = (b.server.address() as { port: number }).port;
  backends.push(b);
  return b;
}

/** Connects to an endpoint; resolves with the socket, its local port and the backend port it reached. */
function connect(port: number): Promise<{ socket: Socket; local: number; reached: number; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    clients.push(socket);
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('error', () => undefined);
    socket.once('data', (d: Buffer) => resolve({ socket, local: socket.localPort as number, reached: Number(d.toString().trim()), closed }));
    socket.once('close', () => reject(new Error(`endpoint ${port} closed before a backend answered`)));
  });
}

async function route(rw: Backend[], ro: Backend[], r: Backend[]): Promise<number> {
  const next: Routes = {
    listeners,
    backends: Object.fromEntries(Object.entries({ rw, ro, r }).map(([role, bs]) => [role, bs.map((b) => ({ name: String(b.port), host: '127.0.0.1', port: b.port }))])),
  };
  writeFileSync(routesFile, JSON.stringify(next));
  const cut = await forwarding.route('default', 'pg', current, next);
  current = next;
  return cut;
}

const closedWithin = (p: Promise<void>, ms: number) => Promise.race([p.then(() => true), sleep(ms).then(() => false)]);

before(async () => {
  if (!root) return;
  const choice = await chooseForwarding(home, { CNPG_ENDPOINT_FORWARDING: 'nftables' });
  assert.equal(choice.kind, 'nftables');
  if (choice.kind === 'nftables') forwarding = choice.forwarding;
  listeners = { rw: { host: '127.0.0.1', port: await freePort() }, ro: { host: '127.0.0.1', port: await freePort() }, r: { host: '127.0.0.1', port: await freePort() } };
  writeFileSync(routesFile, JSON.stringify({ listeners, backends: { rw: [], ro: [], r: [] } }));
  proxy = new EndpointProxy(routesFile);
  await proxy.start();
});

after(async () => {
  for (const c of clients) c.destroy();
  proxy?.close();
  await forwarding?.close();
  for (const b of backends) {
    for (const s of b.sockets) s.destroy();
    b.server.close();
  }
  rmSync(home, { recursive: true, force: true });
});

test('the kernel forwards an endpoint to its backend: the backend sees the client itself, no proxy between', { skip: !root && 'needs root' }, async () => {
  const [a, b] = [await backend(), await backend()];
  await route([a], [b], [a, b]);
  const c = await connect(listeners.rw.port);
  assert.equal(c.reached, a.port);
  assert.equal(a.peers.at(-1), c.local, 'the backend is connected to the client port, not to a proxy');
  const rules = spawnSync('nft', ['list', 'table', 'ip', forwarding.table], { encoding: 'utf8' }).stdout;
  assert.match(rules, new RegExp(`tcp dport ${listeners.rw.port} dnat to 127\\.0\\.0\\.1:${a.port} comment "default/pg rw"`));
});

test('several backends take turns (numgen)', { skip: !root && 'needs root' }, async () => {
  const [a, b] = backends as [Backend, Backend];
  const reached: number[] = [];
  for (let i = 0; i < 4; i++) reached.push((await connect(listeners.r.port)).reached);
  assert.deepEqual(new Set(reached), new Set([a.port, b.port]));
  assert.equal(reached.filter((p) => p === a.port).length, 2, `round robin, got ${reached.join(',')}`);
});

test('a backend leaving an endpoint cuts the connections forwarded there, and only those', { skip: !root && 'needs root' }, async () => {
  const [a, b] = backends as [Backend, Backend];
  for (const c of clients.splice(0)) c.destroy();
  await route([a], [b], [a]);
  await eventually('the earlier clients gone', async () => a.sockets.size + b.sockets.size === 0, 2000, 20);
  const rw = [await connect(listeners.rw.port), await connect(listeners.rw.port)];
  const r = await connect(listeners.r.port);
  const ro = await connect(listeners.ro.port);
  assert.equal(r.reached, a.port);
  const serverEnds = a.sockets.size;
  // A switchover: a leaves rw, b leaves ro.
  const cut = await route([b], [a], [a, b]);
  assert.equal(cut, 3);
  for (const c of [...rw, ro]) assert.ok(await closedWithin(c.closed, 2000), `client on ${c.local} cut`);
  assert.equal(await closedWithin(r.closed, 300), false, '-r still has a: its client is kept');
  await eventually('the server ends are gone too', async () => a.sockets.size === serverEnds - 2, 2000, 20);
  assert.equal((await connect(listeners.rw.port)).reached, b.port, 'a new client goes to the new backend');
});

test('no backend: the client is held by the proxy and served when one comes', { skip: !root && 'needs root' }, async () => {
  const [a] = backends as [Backend];
  await route([], [], []);
  const pending = connect(listeners.rw.port);
  await sleep(300);
  await route([a], [], [a]);
  const c = await pending;
  assert.equal(c.reached, a.port);
  assert.notEqual(a.peers.at(-1), c.local, 'it came through the proxy');
});

test('closing removes the table', { skip: !root && 'needs root' }, async () => {
  await forwarding.close();
  const r = spawnSync('nft', ['list', 'table', 'ip', forwarding.table], { encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /No such file or directory/);
});
