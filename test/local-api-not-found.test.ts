// An object deleted while a request is working on it: the local API answers 404 as the Kubernetes
// API server does, never 500, and a patch never brings the object back.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestEnv } from './support/env.js';

const env = new TestEnv();
after(() => env.cleanup());

const secret = (name: string) => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\nstringData:\n  password: one\n`;

test('a patch racing a delete answers 200 or 404 and leaves the object deleted', { timeout: 300_000 }, async () => {
  await env.ok(['apply', '-f', '-'], secret('warm-up'));
  const { port, token } = JSON.parse(readFileSync(join(env.home, 'operator.json'), 'utf8')) as { port: number; token: string };
  const call = async (route: string, name: string, body?: unknown, method = 'POST') => {
    const res = await fetch(`http://127.0.0.1:${port}/${route}?kind=Secret&namespace=default&name=${name}`, { method, headers: { authorization: `Bearer ${token}` }, ...(method === 'POST' ? { body: JSON.stringify(body ?? {}) } : {}) });
    return { status: res.status, body: (await res.json()) as { error?: string } };
  };
  const missing = await call('patch', 'never-there', { patch: { stringData: { password: 'two' } } });
  assert.equal(missing.status, 404, JSON.stringify(missing.body));
  assert.equal(missing.body.error, 'secrets "never-there" not found in namespace "default"');

  const wrong: string[] = [];
  for (let i = 0; i < 40; i++) {
    const name = `raced-${i}`;
    // Through the API, as the race itself: a CLI process per round would cost more than the round.
    const applied = await call('apply', name, { manifest: secret(name) });
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    const [deleted, patched] = await Promise.all([call('delete', name), call('patch', name, { patch: { metadata: { labels: { round: String(i) } } } })]);
    if (deleted.status !== 200) wrong.push(`${name}: delete answered ${deleted.status} ${deleted.body.error}`);
    if (patched.status !== 200 && patched.status !== 404) wrong.push(`${name}: patch answered ${patched.status} ${patched.body.error}`);
    const left = await call('get', name, undefined, 'GET');
    if (left.status !== 404) wrong.push(`${name}: deleted, and the patch that came after brought it back (get answered ${left.status})`);
  }
  assert.deepEqual(wrong, []);
});
