import test from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StoredCluster } from '../api/cluster-status.js';
import { DashboardServer } from './server.js';
import type { ClusterSnapshot, DashboardSource } from './source.js';
import type { StreamMessage } from './view.js';

function fakeSource(): DashboardSource & { clusters: StoredCluster[]; commits: number } {
  const src = {
    clusters: [{ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg', namespace: 'default' }, spec: { instances: 1 }, status: { phase: 'Cluster in healthy state', currentPrimary: 'pg-1' } } as unknown as StoredCluster],
    commits: 0,
    async listClusters() {
      return src.clusters;
    },
    async snapshot(namespace: string, name: string): Promise<ClusterSnapshot | undefined> {
      const cluster = src.clusters.find((c) => c.metadata.name === name && c.metadata.namespace === namespace);
      if (!cluster) return undefined;
      src.commits += 100;
      const status = { name: 'pg-1', managerPid: 1, phase: 'running' as const, postgresRunning: true, ready: true, pendingRestart: false, port: 1, pgdata: '/x', replicationInfo: [], isPrimary: true, currentLsn: '0/1000000' };
      const replica = { ...status, name: 'pg-2', isPrimary: false, currentLsn: undefined, replayLsn: '0/1000000' };
      return { cluster, instances: [{ name: 'pg-1', serial: 1, running: true, role: 'primary', status }, { name: 'pg-2', serial: 2, running: true, role: 'replica', status: replica }], backups: [], events: [], metrics: { 'pg-1': `cnpg_pg_stat_database_xact_commit{datname="app"} ${src.commits}\n` }, now: new Date() };
    },
  };
  return src;
}

async function serve(dashboard: DashboardServer): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => (dashboard.handles(req) ? void dashboard.handle(req, res) : res.writeHead(418).end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Reads server-sent events until `count` have come. */
async function events(url: string, count: number): Promise<Array<{ event: string; data: unknown }>> {
  const ac = new AbortController();
  const res = await fetch(url, { signal: ac.signal });
  assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  const got: Array<{ event: string; data: unknown }> = [];
  let buffer = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body!) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block.split('\n').find((l) => l.startsWith('data: '));
      if (data) got.push({ event: /^event: (.*)$/m.exec(block)?.[1] ?? 'message', data: JSON.parse(data.slice(6)) });
    }
    if (got.length >= count || got.at(-1)?.event === 'gone') break;
  }
  ac.abort();
  return got;
}

test('the page, its files and the API are served without a token; nothing but reads is allowed', async (t) => {
  const dashboard = new DashboardServer(fakeSource(), { sampleMs: 50 });
  const { server, base } = await serve(dashboard);
  t.after(() => {
    dashboard.close();
    server.close();
  });
  const redirect = await fetch(`${base}/dashboard`, { redirect: 'manual' });
  assert.equal(redirect.status, 308);
  assert.equal(redirect.headers.get('location'), '/dashboard/');
  const page = await fetch(`${base}/dashboard/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  const html = await page.text();
  assert.match(html, /<script src="assets\/uplot.js">/);
  assert.doesNotMatch(html, /https?:\/\//, 'nothing loaded from elsewhere');
  for (const [file, type] of [['uplot.js', 'text/javascript'], ['uplot.css', 'text/css'], ['app.js', 'text/javascript'], ['style.css', 'text/css']]) {
    const res = await fetch(`${base}/dashboard/assets/${file}`);
    assert.equal(res.status, 200, file);
    assert.match(res.headers.get('content-type') ?? '', new RegExp(type!));
    assert.ok((await res.text()).length > 100, file);
  }
  assert.equal((await fetch(`${base}/dashboard/assets/..%2F..%2Fpackage.json`)).status, 404);
  assert.equal((await fetch(`${base}/dashboard/assets/server.js`)).status, 404);
  assert.deepEqual(await (await fetch(`${base}/dashboard/api/clusters`)).json(), [{ namespace: 'default', name: 'pg', phase: 'Cluster in healthy state', instances: 1, readyInstances: 0, currentPrimary: 'pg-1' }]);
  const view = (await (await fetch(`${base}/dashboard/api/clusters/default/pg`)).json()) as { instances: Array<{ role: string }> };
  assert.equal(view.instances[0]!.role, 'primary');
  assert.equal((await fetch(`${base}/dashboard/api/clusters/default/nope`)).status, 404);
  assert.equal((await fetch(`${base}/dashboard/api/clusters/default/${encodeURIComponent('../x')}`)).status, 404);
  const post = await fetch(`${base}/dashboard/api/clusters/default/pg`, { method: 'POST', body: '{}' });
  assert.equal(post.status, 405);
  assert.equal((await fetch(`${base}/elsewhere`)).status, 418, 'other routes are left to the server mounting the dashboard');
});

test('the live stream sends the history first, then each sample with its rates; a deleted Cluster ends it', async (t) => {
  const source = fakeSource();
  const dashboard = new DashboardServer(source, { sampleMs: 50 });
  const { server, base } = await serve(dashboard);
  t.after(() => {
    dashboard.close();
    server.close();
  });
  const got = await events(`${base}/dashboard/api/clusters/default/pg/stream`, 3);
  const [first, second, third] = got.map((g) => g.data as StreamMessage);
  assert.equal(first!.history, true);
  assert.equal(first!.view.instances[0]!.name, 'pg-1');
  assert.equal(second!.history, false);
  assert.equal(second!.samples.length, 1);
  assert.ok(third!.samples[0]!.tps! > 0, 'transactions per second from the counters');
  // A second page joins the history the first one built.
  const again = await events(`${base}/dashboard/api/clusters/default/pg/stream`, 1);
  assert.ok((again[0]!.data as StreamMessage).samples.length >= 3);
  source.clusters = [];
  // A page already open may get the last view first.
  const gone = await events(`${base}/dashboard/api/clusters/default/pg/stream`, 10);
  assert.equal(gone.at(-1)!.event, 'gone');
});

test('with hosts given, a request naming another host (DNS rebinding) gets nothing', async (t) => {
  const dashboard = new DashboardServer(fakeSource(), { hosts: ['127.0.0.1', 'localhost'] });
  const { server, base } = await serve(dashboard);
  t.after(() => {
    dashboard.close();
    server.close();
  });
  const port = new URL(base).port;
  const status = (host: string) =>
    new Promise<number>((resolve, reject) => request({ host: '127.0.0.1', port, path: '/dashboard/api/clusters', headers: { host } }, (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', reject).end());
  assert.equal(await status(`127.0.0.1:${port}`), 200);
  assert.equal(await status(`LOCALHOST:${port}`), 200);
  assert.equal(await status(`attacker.example:${port}`), 403);
  assert.equal(await status('attacker.example'), 403);
});

test('a switchover needs the control plane\'s token, and is refused as cnpg promote refuses it', async (t) => {
  const annotated: Array<Record<string, string>> = [];
  const source = { ...fakeSource(), annotateCluster: async (_ns: string, _name: string, a: Record<string, string>) => void annotated.push(a) };
  const dashboard = new DashboardServer(source, { sampleMs: 50, authorized: (req) => req.headers.authorization === 'Bearer secret' });
  const readOnly = new DashboardServer(fakeSource(), { authorized: () => true });
  const [{ server, base }, other] = await Promise.all([serve(dashboard), serve(readOnly)]);
  t.after(() => {
    dashboard.close();
    readOnly.close();
    server.close();
    other.server.close();
  });
  const ask = (b: string, instance: unknown, token?: string) =>
    fetch(`${b}/dashboard/api/clusters/default/pg/switchover`, { method: 'POST', body: JSON.stringify({ instance }), headers: token ? { authorization: `Bearer ${token}` } : {} });
  const session = async (b: string, token?: string) => ((await (await fetch(`${b}/dashboard/api/session`, { headers: token ? { authorization: `Bearer ${token}` } : {} })).json()) as { readOnly: boolean }).readOnly;
  assert.equal(await session(base), true);
  assert.equal(await session(base, 'wrong'), true);
  assert.equal(await session(base, 'secret'), false);
  assert.equal(await session(other.base, 'anything'), true, 'a platform that cannot annotate stays read-only');
  assert.equal((await ask(base, 'pg-1')).status, 401);
  assert.equal((await ask(base, 'pg-1', 'wrong')).status, 401);
  assert.equal((await ask(other.base, 'pg-1', 'anything')).status, 401);
  const already = await ask(base, 'pg-1', 'secret');
  assert.equal(already.status, 409);
  assert.match(((await already.json()) as { error: string }).error, /pg-1 is already the primary of pg/);
  const unknown = await ask(base, 'pg-9', 'secret');
  assert.equal(unknown.status, 422);
  assert.match(((await unknown.json()) as { error: string }).error, /^instance: instance pg-9 is not part of cluster pg/);
  assert.equal((await ask(base, 42, 'secret')).status, 422);
  const notJson = await fetch(`${base}/dashboard/api/clusters/default/pg/switchover`, { method: 'POST', body: 'x', headers: { authorization: 'Bearer secret' } });
  assert.equal(notJson.status, 400);
  assert.deepEqual(annotated, [], 'nothing refused was asked for');
  const ok = await ask(base, 'pg-2', 'secret');
  assert.equal(ok.status, 202);
  assert.deepEqual(await ok.json(), { message: 'pg-2 in cluster pg will be promoted' });
  assert.deepEqual(annotated, [{ 'cnpg.io/targetPrimary': 'pg-2' }]);
  const elsewhere = await fetch(`${base}/dashboard/api/clusters/default/pg`, { method: 'POST', headers: { authorization: 'Bearer secret' } });
  assert.equal(elsewhere.status, 405);
  assert.equal((await fetch(`${base}/dashboard/api/clusters/default/pg`, { method: 'DELETE' })).status, 405);
});
