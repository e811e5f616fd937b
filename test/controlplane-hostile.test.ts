// No input hangs the local control plane. The whole hostile corpus (test/fixtures/invalid) and the
// cases of issue 11 (ScheduledBackups of a real Cluster that never fire or fire every second, one
// whose Cluster does not exist, a 5 MB object) go through the CLI, the local API and the
// Kubernetes admission webhook, while GET /healthz is sampled: every sample must answer within a
// second, the Cluster must stay healthy, and a restarted daemon must answer again.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { review } from '../src/platform/kubernetes/webhook.js';
import { eventually, REPO, TestEnv } from './support/env.js';
import { waitReady } from './support/backup.js';
import { HealthSampler, type HealthReport } from './support/health-sampler.js';
import { setTimeout as sleep } from 'node:timers/promises';

const env = new TestEnv();
after(() => env.cleanup());

const CORPUS = join(REPO, 'test', 'fixtures', 'invalid');
const expected = JSON.parse(readFileSync(join(CORPUS, 'expected.json'), 'utf8')) as Record<string, string[]>;

const scheduledBackup = (name: string, schedule: string, cluster = 'target') =>
  `apiVersion: postgresql.cnpg.io/v1\nkind: ScheduledBackup\nmetadata:\n  name: ${name}\nspec:\n  schedule: "${schedule}"\n  cluster:\n    name: ${cluster}\n`;

/** The cases of issue 11, as valid-looking manifests for the Cluster this test runs. */
const ISSUE_CASES: Record<string, { manifest: string; refusal: RegExp; admission?: false }> = {
  'never fires': { manifest: scheduledBackup('never', '0 0 0 30 2 *'), refusal: /ScheduledBackup\/never: spec\.schedule: schedule "0 0 0 30 2 \*" never fires/ },
  'every second': { manifest: scheduledBackup('every-second', '* * * * * *'), refusal: /ScheduledBackup\/every-second: spec\.schedule: schedule "\* \* \* \* \* \*" fires more than once a minute/ },
  '5 MB object': {
    manifest: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: huge\ndata:\n  blob: ${'x'.repeat(5 * 1024 * 1024)}\n`,
    refusal: /ConfigMap\/huge: the object is 5\.0 MiB \(\d+ bytes\) serialized; the limit is 1572864 bytes/,
    // kube-apiserver refuses a request over 3 MiB itself; no webhook sees it.
    admission: false,
  },
};

interface Daemon {
  port: number;
  token: string;
}
const daemon = (): Daemon => JSON.parse(readFileSync(join(env.home, 'operator.json'), 'utf8')) as Daemon;

async function applyThroughApi(d: Daemon, manifest: string): Promise<{ status: number; error?: string }> {
  const res = await fetch(`http://127.0.0.1:${d.port}/apply`, {
    method: 'POST',
    headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ manifest }),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, ...((await res.json()) as { error?: string }) };
}

/** Each document as the API server would send it to the webhook; none when the YAML does not parse. */
function admissionRefusals(manifest: string): string[] {
  const unparsable = ['the API server refuses YAML it cannot parse'];
  let objects: Record<string, unknown>[];
  try {
    const docs = parseAllDocuments(manifest);
    if (!Array.isArray(docs) || docs.some((d) => d.errors.length > 0)) return unparsable;
    objects = docs.map((doc) => doc.toJS() as Record<string, unknown>);
  } catch {
    // The yaml library throws, rather than reports, an alias bomb.
    return unparsable;
  }
  return objects.flatMap((object) => {
    const response = review({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u', kind: { group: 'postgresql.cnpg.io', version: 'v1', kind: String(object.kind) }, operation: 'CREATE', object: { ...object, metadata: { namespace: 'default', ...(object.metadata as object) } } } }, false).response;
    return response?.allowed === false ? [response.status?.message ?? ''] : [];
  });
}

interface StoredObject {
  metadata: { resourceVersion: string };
  status?: { phase?: string; error?: string };
}

test('the hostile corpus and the cases of issue 11, through the CLI, the local API and the webhook, leave /healthz answering within a second', { timeout: 900_000 }, async () => {
  await env.ok(['apply', '-f', '-'], 'apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n  name: target\nspec:\n  instances: 1\n  storage:\n    size: 1Gi\n');
  await waitReady(env, 'target');
  const d = daemon();
  const sampler = new HealthSampler(d.port, d.token);
  const wrong: string[] = [];
  let health: HealthReport;
  try {
    const files = readdirSync(CORPUS).filter((f) => f.endsWith('.yaml')).sort();
    const cases = [
      ...files.map((f) => ({ what: f, manifest: readFileSync(join(CORPUS, f), 'utf8'), saysWhy: (m: string) => (expected[f] ?? []).every((s) => m.includes(s)), admission: true })),
      ...Object.entries(ISSUE_CASES).map(([what, c]) => ({ what, manifest: c.manifest, saysWhy: (m: string) => c.refusal.test(m), admission: c.admission ?? true })),
    ];
    for (const { what, manifest, saysWhy, admission } of cases) {
      const cli = await env.run(['apply', '-f', '-'], manifest);
      if (cli.code === 0) wrong.push(`cnpg apply accepted ${what}: ${cli.stdout.trim()}`);
      else if (!saysWhy(cli.stderr)) wrong.push(`cnpg apply refused ${what} without the expected message: ${cli.stderr.trim().slice(0, 300)}`);
      const api = await applyThroughApi(d, manifest);
      if (api.status < 400 || api.status >= 500) wrong.push(`POST /apply answered ${what} with HTTP ${api.status}`);
      else if (!saysWhy(api.error ?? '')) wrong.push(`POST /apply refused ${what} without the expected message: ${(api.error ?? '').slice(0, 300)}`);
      if (admission && admissionRefusals(manifest).length === 0) wrong.push(`the webhook admitted every document of ${what}`);
    }

    // Valid, but its Cluster does not exist: its status is written once, not on every pass.
    await env.ok(['apply', '-f', '-'], scheduledBackup('orphan', '0 0 2 * * *', 'nope'));
    const orphan = await eventually('the orphan ScheduledBackup reports its missing Cluster', async () => {
      const o = await env.json<StoredObject>(['get', 'scheduledbackup', 'orphan']);
      return o.status?.error ? o : undefined;
    });
    await sleep(5000);
    const later = await env.json<StoredObject>(['get', 'scheduledbackup', 'orphan']);
    if (later.metadata.resourceVersion !== orphan.metadata.resourceVersion) {
      wrong.push(`the orphan ScheduledBackup's status was rewritten while nothing changed (resourceVersion ${orphan.metadata.resourceVersion} → ${later.metadata.resourceVersion} in 5 s)`);
    }
    // Whatever got in has had time to make the daemon spin.
    await sleep(15_000);
    const cluster = await env.json<StoredObject>(['get', 'cluster', 'target']);
    if (cluster.status?.phase !== 'Cluster in healthy state') wrong.push(`Cluster target: ${cluster.status?.phase}`);
  } finally {
    health = await sampler.stop();
    process.stdout.write(`# /healthz: ${health.n} samples, p50 ${health.p50.toFixed(1)} ms, p99 ${health.p99.toFixed(1)} ms, max ${health.max.toFixed(1)} ms; slowest: ${health.slowest}\n`);
  }
  assert.deepEqual(health.failures, [], 'every /healthz request answered');
  assert.ok(health.max <= 1000, `/healthz took ${health.max.toFixed(0)} ms (slowest: ${health.slowest})`);

  // A restarted daemon reads the same store and answers.
  await env.ok(['operator', 'stop']);
  const restarted = performance.now();
  await env.ok(['get', 'scheduledbackups'], undefined, 30_000);
  const restart = new HealthSampler(daemon().port, daemon().token);
  await sleep(5000);
  const afterRestart = await restart.stop();
  process.stdout.write(`# restarted in ${(performance.now() - restarted).toFixed(0)} ms; /healthz after: max ${afterRestart.max.toFixed(1)} ms\n`);
  assert.ok(afterRestart.max <= 1000 && afterRestart.failures.length === 0, `after a restart /healthz took ${afterRestart.max.toFixed(0)} ms, failures: ${afterRestart.failures.join('; ')}`);
  assert.deepEqual(wrong, []);
});
