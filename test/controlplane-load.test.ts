// The local control plane stays responsive under load: while five small clusters bootstrap, back
// up, fail over and restore, the daemon answers GET /healthz within 100 ms (p99) and never takes
// more than a second.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestEnv, eventually, sleep } from './support/env.js';
import { waitBackup, waitReady } from './support/backup.js';

const env = new TestEnv();
const storeDir = mkdtempSync(join(tmpdir(), 'cnpg-store-'));
// The instances run as postgres when the tests run as root.
chmodSync(storeDir, 0o777);
const destination = `file://${storeDir}`;
const SAMPLE_EVERY_MS = 100;

after(async () => {
  await env.cleanup();
  rmSync(storeDir, { recursive: true, force: true });
});

function cluster(name: string, instances: number, extra = ''): string {
  return `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: ${name}
spec:
  instances: ${instances}
  storage:
    size: 1Gi
${extra}`;
}

const archive = (serverName?: string) => `  backup:\n    barmanObjectStore:\n      destinationPath: ${destination}\n${serverName ? `      serverName: ${serverName}\n` : ''}`;
const backup = (name: string, of: string) => `apiVersion: postgresql.cnpg.io/v1\nkind: Backup\nmetadata:\n  name: ${name}\nspec:\n  cluster:\n    name: ${of}\n`;

/** GET /healthz one request at a time, every SAMPLE_EVERY_MS; a request that hangs is one long sample. */
class HealthSampler {
  readonly samples: Array<{ at: number; ms: number }> = [];
  private readonly started = performance.now();
  readonly failures: string[] = [];
  /** The daemon's own account of its event loop, from the last answer. */
  loopDelay?: { p99Ms: number; maxMs: number; windowS: number };
  private running = true;
  private readonly done: Promise<void>;

  constructor(port: number, token: string) {
    this.done = (async () => {
      while (this.running) {
        const t0 = performance.now();
        try {
          const res = await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(300_000) });
          const body = (await res.json()) as { eventLoopDelay?: HealthSampler['loopDelay'] };
          if (!res.ok) this.failures.push(`HTTP ${res.status}`);
          this.loopDelay = body.eventLoopDelay;
        } catch (e) {
          this.failures.push((e as Error).message);
        }
        const ms = performance.now() - t0;
        this.samples.push({ at: (t0 - this.started) / 1000, ms });
        await sleep(Math.max(0, SAMPLE_EVERY_MS - ms));
      }
    })();
  }

  async stop(): Promise<{ n: number; p50: number; p99: number; max: number; slowest: string }> {
    this.running = false;
    await this.done;
    const sorted = [...this.samples].sort((a, b) => a.ms - b.ms);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]?.ms ?? NaN;
    const slowest = sorted.slice(-5).reverse().map((s) => `${s.ms.toFixed(0)} ms at ${s.at.toFixed(1)} s`).join(', ');
    return { n: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.at(-1)?.ms ?? NaN, slowest };
  }
}

interface StoredCluster {
  status?: { phase?: string; currentPrimary?: string; readyInstances?: number };
}

test('the daemon answers /healthz within 100 ms (p99) while five clusters bootstrap, back up, fail over and restore', { timeout: 1_200_000 }, async () => {
  await env.ok(['get', 'clusters']);
  const state = JSON.parse(readFileSync(join(env.home, 'operator.json'), 'utf8')) as { port: number; token: string };
  // The first fetch of this process loads undici: not the daemon's time.
  await fetch(`http://127.0.0.1:${state.port}/healthz`, { headers: { authorization: `Bearer ${state.token}` } }).then((r) => r.arrayBuffer());
  const sampler = new HealthSampler(state.port, state.token);
  const started = performance.now();
  let measured: Awaited<ReturnType<HealthSampler['stop']>>;
  try {
    await env.ok(['apply', '-f', '-'], [
      cluster('load-a', 2, archive()),
      cluster('load-b', 1, archive()),
      cluster('load-c', 2),
      cluster('load-d', 1),
    ].join('---\n'));
    for (const name of ['load-a', 'load-b', 'load-c', 'load-d']) await waitReady(env, name, 400);

    await env.ok(['apply', '-f', '-'], backup('load-a-base', 'load-a') + '---\n' + backup('load-b-base', 'load-b'));
    await env.ok(['delete', 'pod', 'load-c-1']);
    await eventually('load-c healthy with a new primary', async () => {
      const s = (await env.json<StoredCluster>(['get', 'cluster', 'load-c'])).status;
      return s?.phase === 'Cluster in healthy state' && s.readyInstances === 2 && s.currentPrimary !== 'load-c-1';
    }, 180_000, 500);
    for (const name of ['load-a-base', 'load-b-base']) {
      const b = await waitBackup(env, name, ['completed', 'failed'], 300_000);
      assert.equal(b.status?.phase, 'completed', b.status?.error);
    }

    await env.ok(['apply', '-f', '-'], cluster('load-e', 1, `  bootstrap:\n    recovery:\n      backup:\n        name: load-a-base\n${archive('load-e')}`));
    await waitReady(env, 'load-e', 400);
  } finally {
    measured = await sampler.stop();
    const { n, p50, p99, max, slowest } = measured;
    const log = readFileSync(join(env.home, 'operator.log'), 'utf8');
    const slow = [...log.matchAll(/"msg":"slow reconcile".*?"ms":(\d+)/g)].map((m) => Number(m[1]));
    process.stdout.write(
      `# /healthz over ${((performance.now() - started) / 1000).toFixed(0)} s, ${n} samples: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms; ` +
        `${sampler.failures.length} failed; ${slow.length} reconciles over 250 ms (longest ${Math.max(0, ...slow)} ms); slowest: ${slowest}; ` +
        `the daemon's event-loop delay over the last ${sampler.loopDelay?.windowS} s: p99 ${sampler.loopDelay?.p99Ms} ms, max ${sampler.loopDelay?.maxMs} ms\n`,
    );
  }
  assert.deepEqual(sampler.failures, [], 'every /healthz request answered');
  assert.ok(measured.p99 <= 100, `/healthz p99 ${measured.p99.toFixed(1)} ms > 100 ms`);
  assert.ok(measured.max <= 1000, `/healthz max ${measured.max.toFixed(1)} ms > 1 s`);
});
