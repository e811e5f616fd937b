// The CLI tells an operator that is not running from one that runs but does not answer, names the
// request that got no answer, and exits non-zero; it never starts a second operator beside a busy one.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { TestEnv } from './support/env.js';

const env = new TestEnv();
// Stands in for the operator's process: alive, but it is not the operator and never answers.
const stand = spawn('sleep', ['600'], { stdio: 'ignore' });
const held: Socket[] = [];
let silent: Server | undefined;

after(async () => {
  for (const s of held) s.destroy();
  silent?.close();
  stand.kill('SIGKILL');
  await env.cleanup();
});

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

function pretend(port: number): void {
  writeFileSync(join(env.home, 'operator.json'), JSON.stringify({ pid: stand.pid, port, token: 'x'.repeat(48) }) + '\n', { mode: 0o600 });
}

test('no operator: status says so and exits 0', async () => {
  const r = await env.run(['operator', 'status']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^no operator is running for /);
});

test('an operator whose port refuses connections: the request, the address and the cause are named', async () => {
  const closed = createServer();
  const port = await listen(closed);
  await new Promise((r) => closed.close(r));
  pretend(port);
  const r = await env.run(['operator', 'status']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim(), `error: the operator (pid ${stand.pid}) is running but GET /healthz to 127.0.0.1:${port} failed: the connection was refused (ECONNREFUSED); it may be starting or stopping (see ${join(env.home, 'operator.log')})`);
});

test('a busy operator: commands wait for it for a while, then say it is busy, not that it did not start', { timeout: 60_000 }, async () => {
  silent = createServer((s) => void held.push(s));
  const port = await listen(silent);
  pretend(port);
  const busy = `error: the operator (pid ${stand.pid}) is running but did not answer GET /healthz within 2 s; it may be busy (see ${join(env.home, 'operator.log')})`;
  const status = await env.run(['operator', 'status']);
  assert.equal(status.code, 1);
  assert.equal(status.stderr.trim(), busy);

  const t0 = performance.now();
  const get = await env.run(['get', 'clusters']);
  assert.equal(get.code, 1);
  assert.equal(get.stderr.trim(), busy);
  assert.ok(performance.now() - t0 >= 19_000, 'gave the operator the start timeout to answer');
  assert.ok(!existsSync(join(env.home, 'operator.log')) || !/operator started/.test(readFileSync(join(env.home, 'operator.log'), 'utf8')), 'no second operator was started');
});
