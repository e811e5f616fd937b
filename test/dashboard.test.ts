// The live dashboard in a real browser (Debian's chromium driven by playwright-core): a 3-instance
// local cluster shows its three instances with their roles, and the new primary within seconds of
// a failover. What the page says is compared, not its pixels.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';
import pg from 'pg';
import { TestEnv, eventually } from './support/env.js';
import { manifest } from './support/manifests.js';

const env = new TestEnv();
const CLUSTER = 'dash';
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
let browser: Browser;
let url = '';

/** What the topology shows: instance name → role, as the page's text says it. */
async function roles(page: Page): Promise<Record<string, string>> {
  const cards = await page.locator('#topology .instance').all();
  const pairs = await Promise.all(cards.map(async (c) => [await c.locator('.name').innerText(), (await c.locator('.role').innerText()).toLowerCase()] as const));
  return Object.fromEntries(pairs);
}

const primaryOf = (r: Record<string, string>) => Object.entries(r).find(([, role]) => role === 'primary')?.[0];

before(async () => {
  await env.ok(['apply', '-f', '-'], manifest('cluster-sync.yaml', { name: CLUSTER }));
  await env.ok(['wait', '--for=condition=Ready', `cluster/${CLUSTER}`, '--timeout=180s'], undefined, 200_000);
  url = (await env.ok(['dashboard', CLUSTER])).trim();
  // As root, chromium needs --no-sandbox.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
});

after(async () => {
  await browser?.close();
  await env.cleanup();
});

test('cnpg dashboard prints the page of the local operator; a Cluster that does not exist is an error', async () => {
  assert.match(url, new RegExp(`^http://127\\.0\\.0\\.1:\\d+/dashboard/#default/${CLUSTER}$`));
  const missing = await env.run(['dashboard', 'nope']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /clusters? "nope" not found/);
});

test('the page shows three instances with their roles, and the new primary within seconds of a failover', async () => {
  const page = await browser.newPage();
  const origin = new URL(url).origin;
  const elsewhere: string[] = [];
  page.on('request', (r) => void (r.url().startsWith(origin) || elsewhere.push(r.url())));
  // No token: the page only reads.
  await page.goto(url);
  const before = await eventually('three instances, one primary and two replicas, on the page', async () => {
    const r = await roles(page);
    const values = Object.values(r).sort();
    return values.length === 3 && values.join(',') === 'primary,replica,replica' ? r : undefined;
  }, 30_000, 200);
  const status = await env.json<{ status: { currentPrimary: string } }>(['get', 'cluster', CLUSTER]);
  const old = primaryOf(before)!;
  assert.equal(old, status.status.currentPrimary, 'the page names the primary the operator does');
  assert.equal(await page.locator('#connection').innerText(), 'live');
  assert.match(await page.locator('#summary').innerText(), new RegExp(`primary: ${old}`));
  // Both charts drawn, the lag chart with a series per replica.
  assert.equal(await page.locator('.uplot').count(), 2);
  const legend = await page.locator('#lag-chart .u-legend').innerText();
  for (const [name, role] of Object.entries(before)) if (role === 'replica') assert.match(legend, new RegExp(name));
  // The replicas' lag is shown as numbers.
  assert.match(await page.locator(`#topology [data-role="replica"] [data-fact="lag"]`).first().innerText(), /\d+(\.\d)? (B|kB|MB)/);

  const pods = await env.pods(CLUSTER);
  const victim = pods.find((p) => p.metadata.name === old)!;
  const killedAt = Date.now();
  process.kill(victim.status.local.pid!, 'SIGKILL');
  const promotedAt = await eventually('the operator reports a new primary', async () => {
    const c = await env.json<{ status: { currentPrimary?: string } }>(['get', 'cluster', CLUSTER]);
    return c.status.currentPrimary && c.status.currentPrimary !== old ? Date.now() : undefined;
  }, 90_000, 100);
  const next = await eventually('the page shows a new primary', async () => {
    const p = primaryOf(await roles(page));
    return p && p !== old ? p : undefined;
  }, 90_000, 100);
  const shownAt = Date.now();
  const c = await env.json<{ status: { currentPrimary: string } }>(['get', 'cluster', CLUSTER]);
  assert.equal(next, c.status.currentPrimary);
  assert.ok(shownAt - promotedAt < 10_000, `the page showed the new primary ${shownAt - promotedAt} ms after the operator reported it`);
  process.stdout.write(`# failover: primary killed → operator reports ${next} after ${promotedAt - killedAt} ms → page shows it ${shownAt - promotedAt} ms later\n`);
  await eventually('the failover among the recent events', async () => (await page.locator('#events tr[data-category="failover"]').count()) > 0, 30_000, 200);
  assert.deepEqual(elsewhere, [], 'the page loads nothing from elsewhere');
  // Read-only without the token: no switchover offered.
  assert.equal(await page.locator('#mode').innerText(), 'read-only');
  assert.equal(await page.locator('.switchover:visible').count(), 0);
  await page.close();
});

test('opened with the token, the page asks for a switchover and shows its outcome; the token leaves the address', async () => {
  const healthy = () => eventually('a healthy cluster of three', async () => {
    const c = await env.json<{ status: { phase?: string; readyInstances?: number; currentPrimary?: string } }>(['get', 'cluster', CLUSTER]);
    return c.status.phase === 'Cluster in healthy state' && c.status.readyInstances === 3 ? c.status.currentPrimary : undefined;
  }, 120_000, 200);
  const primary = await healthy();
  const withToken = (await env.ok(['dashboard', CLUSTER, '--with-token'])).trim();
  assert.match(withToken, /#default\/dash&token=[0-9a-f]+$/);
  const page = await browser.newPage();
  page.on('dialog', (d) => void d.accept());
  await page.goto(withToken);
  await eventually('the token accepted', async () => (await page.locator('#mode').innerText()) === 'switchover allowed', 10_000, 100);
  assert.doesNotMatch(page.url(), /token/, 'the token is not left in the address');
  const target = await eventually('a replica offering a switchover', async () => {
    const r = await roles(page);
    return Object.keys(r).length === 3 ? Object.entries(r).find(([n, role]) => role === 'replica' && n !== primary)?.[0] : undefined;
  }, 30_000, 200);
  await page.locator(`[data-instance="${target}"] .switchover`).click();
  await eventually('the request acknowledged', async () => (await page.locator('#notice').innerText()).includes(`${target} in cluster ${CLUSTER} will be promoted`), 10_000, 100);
  await eventually(`the page shows ${target} as the primary`, async () => primaryOf(await roles(page)) === target, 60_000, 200);
  await eventually('the switchover among the recent events', async () => (await page.locator('#events tr[data-category="switchover"]').count()) > 0, 30_000, 200);
  // A wrong token is refused by the server and forgotten.
  const other = await browser.newPage();
  await other.goto(`${url}&token=wrong`);
  await eventually('the wrong token refused', async () => (await other.locator('#notice').innerText()).includes('not the control plane'), 10_000, 100);
  assert.equal(await other.locator('#mode').innerText(), 'read-only');
  await other.close();
  await page.close();
});

test('transactions per second from the instances\' metrics match what a client commits', { timeout: 180_000 }, async (t) => {
  const pods = await env.pods(CLUSTER);
  if (!pods.some((p) => (p.status.local as { metricsPort?: number }).metricsPort)) return t.skip('the instances have no exporter in this build');
  const uri = Buffer.from((await env.ok(['get', 'secret', `${CLUSTER}-app`, '-o', 'jsonpath={.data.uri}'])).trim(), 'base64').toString();
  const client = new pg.Client({ connectionString: uri });
  await client.connect();
  await client.query('CREATE TABLE IF NOT EXISTS ticks (n int)');
  let writing = true;
  let committed = 0;
  const started = Date.now();
  const writer = (async () => {
    while (writing) {
      await client.query('INSERT INTO ticks VALUES (1)');
      committed++;
    }
  })();
  const page = await browser.newPage();
  try {
    await page.goto(url);
    // The exporters answer from a 30 s cache, and the server holds each instance's last rate until
    // its counter moves again: what the page shows first may be a rate from before this writer
    // started. The page must come to the client's rate once two cache refreshes have seen it.
    let shown = 0;
    let clientRate = 0;
    const matched = await eventually('the page showing the client\'s transaction rate', async () => {
      const m = /([\d.]+) transactions\/s/.exec(await page.locator('#throughput').innerText());
      shown = m ? Number(m[1]) : 0;
      clientRate = committed / ((Date.now() - started) / 1000);
      return shown > clientRate * 0.5 && shown < clientRate * 2;
    }, 120_000, 500).catch(() => false);
    process.stdout.write(`# transactions/s: page ${shown.toFixed(0)}, client ${clientRate.toFixed(0)}\n`);
    assert.ok(matched, `the page shows ${shown} transactions/s while the client commits ${clientRate.toFixed(1)}/s`);
  } finally {
    writing = false;
    await writer;
    await client.end();
    await page.close();
  }
});
