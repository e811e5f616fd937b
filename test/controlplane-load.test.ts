// The local control plane stays responsive under load: while five small clusters bootstrap, back
// up, fail over and restore, the daemon's event loop is delayed less than 100 ms (p99), and it
// answers every GET /healthz, none taking more than a second.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestEnv, eventually } from './support/env.js';
import { waitBackup, waitReady } from './support/backup.js';
import { HealthSampler, type HealthReport } from './support/health-sampler.js';
import { manifest, manifests } from './support/manifests.js';

const env = new TestEnv();
const storeDir = mkdtempSync(join(tmpdir(), 'cnpg-store-'));
// The instances run as postgres when the tests run as root.
chmodSync(storeDir, 0o777);
const destination = `file://${storeDir}`;

after(async () => {
  await env.cleanup();
  rmSync(storeDir, { recursive: true, force: true });
});

const cluster = (name: string, instances: number, spec: Record<string, unknown> = {}): string => manifest('cluster.yaml', { name, spec: { instances, ...spec } });
const archive = (serverName?: string) => ({ backup: { barmanObjectStore: { destinationPath: destination, ...(serverName ? { serverName } : {}) } } });
const backup = (name: string, of: string): string => manifest('backup.yaml', { name, spec: { cluster: { name: of } } });

interface StoredCluster {
  status?: { phase?: string; currentPrimary?: string; readyInstances?: number };
}

test('the daemon stays responsive (event loop p99 under 100 ms, /healthz within a second) while five clusters bootstrap, back up, fail over and restore', { timeout: 1_200_000 }, async () => {
  await env.ok(['get', 'clusters']);
  const state = JSON.parse(readFileSync(join(env.home, 'operator.json'), 'utf8')) as { port: number; token: string };
  const sampler = new HealthSampler(state.port, state.token);
  const started = performance.now();
  let measured: HealthReport;
  try {
    await env.ok(['apply', '-f', '-'], manifests(cluster('load-a', 2, archive()), cluster('load-b', 1, archive()), cluster('load-c', 2), cluster('load-d', 1)));
    for (const name of ['load-a', 'load-b', 'load-c', 'load-d']) await waitReady(env, name, 400);

    await env.ok(['apply', '-f', '-'], manifests(backup('load-a-base', 'load-a'), backup('load-b-base', 'load-b')));
    await env.ok(['delete', 'pod', 'load-c-1']);
    await eventually('load-c healthy with a new primary', async () => {
      const s = (await env.json<StoredCluster>(['get', 'cluster', 'load-c'])).status;
      return s?.phase === 'Cluster in healthy state' && s.readyInstances === 2 && s.currentPrimary !== 'load-c-1';
    }, 180_000, 500);
    for (const name of ['load-a-base', 'load-b-base']) {
      const b = await waitBackup(env, name, ['completed', 'failed'], 300_000);
      assert.equal(b.status?.phase, 'completed', b.status?.error);
    }

    await env.ok(['apply', '-f', '-'], cluster('load-e', 1, { bootstrap: { recovery: { backup: { name: 'load-a-base' } } }, ...archive('load-e') }));
    await waitReady(env, 'load-e', 400);
  } finally {
    measured = await sampler.stop();
    const { n, p50, p99, max, slowest, failures, loopDelay } = measured;
    const log = readFileSync(join(env.home, 'operator.log'), 'utf8');
    const slow = [...log.matchAll(/"msg":"slow reconcile".*?"ms":(\d+)/g)].map((m) => Number(m[1]));
    process.stdout.write(
      `# /healthz over ${((performance.now() - started) / 1000).toFixed(0)} s, ${n} samples: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms; ` +
        `${failures.length} failed; ${slow.length} reconciles over 250 ms (longest ${Math.max(0, ...slow)} ms); slowest: ${slowest}; ` +
        `the daemon's event-loop delay over the last ${loopDelay?.windowS} s: p99 ${loopDelay?.p99Ms} ms, max ${loopDelay?.maxMs} ms\n`,
    );
  }
  assert.match(await env.ok(['operator', 'status']), /^operator running: pid \d+, .*; event-loop delay over the last \d+ s: p99 [\d.]+ ms, max [\d.]+ ms$/m);
  assert.deepEqual(measured.failures, [], 'every /healthz request answered');
  // The daemon's own event loop is what it controls; a /healthz percentile over ~170 samples is
  // its second-slowest request, which a 2-core machine running other tests decides as much as the
  // daemon does (bench/chaos and bench/hostile measure it properly).
  assert.ok(measured.loopDelay !== undefined, 'the daemon reports its event-loop delay');
  assert.ok(measured.loopDelay.p99Ms <= 100, `the daemon's event-loop delay p99 ${measured.loopDelay.p99Ms} ms > 100 ms`);
  assert.ok(measured.max <= 1000, `/healthz max ${measured.max.toFixed(1)} ms > 1 s`);
});
