// bench/hostile: what hostile input and a damaged store cost the local control plane.
//   healthz  GET /healthz p50/p99/max while the hostile corpus (test/fixtures/invalid plus issue 11's
//            ScheduledBackups of a real Cluster and a 5 MB object) is applied in a loop through the
//            CLI and the local API for --duration seconds; reference: the same daemon idle.
//   start    daemon start (spawn → /healthz answers) with --objects stored objects, none corrupt and
//            one emptied; reference: an empty store.
//
//   node dist/bench/hostile.js [--duration 300] [--objects 10000] [--trials 3] [--parts healthz,start]
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HealthSampler, type HealthReport } from '../test/support/health-sampler.js';
import { CLI, REPO, TestEnv } from '../test/support/env.js';
import { waitReady } from '../test/support/backup.js';
import { printTable } from './failover/report.js';
import { runBench } from './run.js';
import { setTimeout as sleep } from 'node:timers/promises';

const PARTS = ['healthz', 'start'] as const;

interface Options {
  durationS: number;
  objects: number;
  trials: number;
  parts: Array<(typeof PARTS)[number]>;
}

function positive(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} needs a positive number, got ${value ?? 'nothing'}`);
  return n;
}

export function parseArgs(argv: string[]): Options {
  const o: Options = { durationS: 300, objects: 10_000, trials: 3, parts: [...PARTS] };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const value = argv[++i];
    if (flag === '--duration') o.durationS = positive(flag, value);
    else if (flag === '--objects') o.objects = Math.round(positive(flag, value));
    else if (flag === '--trials') o.trials = Math.round(positive(flag, value));
    else if (flag === '--parts') {
      const parts = (value ?? '').split(',');
      const bad = parts.filter((p) => !(PARTS as readonly string[]).includes(p));
      if (bad.length > 0) throw new Error(`--parts: unknown ${bad.join(', ')} (allowed: ${PARTS.join(', ')})`);
      o.parts = parts as Options['parts'];
    } else throw new Error(`unknown flag ${flag} (usage: node dist/bench/hostile.js [--duration S] [--objects N] [--trials N] [--parts ${PARTS.join(',')}])`);
  }
  return o;
}

const ms = (h: HealthReport) => [h.p50, h.p99, h.max].map((v) => v.toFixed(1)).join(' / ');

function hostileManifests(): Array<{ name: string; manifest: string }> {
  const corpus = join(REPO, 'test', 'fixtures', 'invalid');
  const sb = (name: string, schedule: string) => `apiVersion: postgresql.cnpg.io/v1\nkind: ScheduledBackup\nmetadata:\n  name: ${name}\nspec:\n  schedule: "${schedule}"\n  cluster:\n    name: target\n`;
  return [
    ...readdirSync(corpus).filter((f) => f.endsWith('.yaml')).sort().map((f) => ({ name: f, manifest: readFileSync(join(corpus, f), 'utf8') })),
    { name: 'never fires', manifest: sb('never', '0 0 0 30 2 *') },
    { name: 'every second', manifest: sb('every-second', '* * * * * *') },
    { name: '5 MB object', manifest: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: huge\ndata:\n  blob: ${'x'.repeat(5 * 1024 * 1024)}\n` },
  ];
}

async function healthzPart(o: Options): Promise<void> {
  const env = new TestEnv();
  try {
    await env.ok(['apply', '-f', '-'], 'apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n  name: target\nspec:\n  instances: 1\n  storage:\n    size: 1Gi\n');
    await waitReady(env, 'target');
    const d = JSON.parse(readFileSync(join(env.home, 'operator.json'), 'utf8')) as { port: number; token: string };
    const idleS = Math.min(30, o.durationS);
    const idle = new HealthSampler(d.port, d.token);
    await sleep(idleS * 1000);
    const idleReport = await idle.stop();

    const cases = hostileManifests();
    const sampler = new HealthSampler(d.port, d.token);
    const until = performance.now() + o.durationS * 1000;
    let applies = 0;
    const accepted = new Set<string>();
    while (performance.now() < until) {
      for (const c of cases) {
        if (performance.now() >= until) break;
        const cli = await env.run(['apply', '-f', '-'], c.manifest);
        const api = await fetch(`http://127.0.0.1:${d.port}/apply`, { method: 'POST', headers: { authorization: `Bearer ${d.token}` }, body: JSON.stringify({ manifest: c.manifest }) });
        await api.arrayBuffer();
        applies += 2;
        if (cli.code === 0) accepted.add(`${c.name} (CLI)`);
        if (api.ok) accepted.add(`${c.name} (API)`);
      }
    }
    const loaded = await sampler.stop();
    const cluster = JSON.parse(await env.ok(['get', 'cluster', 'target', '-o', 'json'])) as { status?: { phase?: string } };
    console.log(`\n/healthz (ms) with the hostile corpus (${cases.length} cases) applied in a loop through the CLI and the local API`);
    printTable(
      ['run', 'seconds', 'applies', 'accepted', 'samples', 'p50 / p99 / max', 'failed', 'Cluster after'],
      [
        ['idle (reference)', String(idleS), '0', '-', String(idleReport.n), ms(idleReport), String(idleReport.failures.length), '-'],
        ['hostile loop', String(o.durationS), String(applies), String(accepted.size), String(loaded.n), ms(loaded), String(loaded.failures.length), cluster.status?.phase ?? '?'],
      ],
    );
    if (accepted.size > 0) console.log(`accepted (should be none): ${[...accepted].join(', ')}`);
    console.log(`slowest samples under load: ${loaded.slowest}`);
  } finally {
    await env.cleanup();
  }
}

/** A store as the daemon writes it: `<ns>/<kind>/<name>.json`, half ConfigMaps, half Events. */
function fillStore(store: string, objects: number): string {
  const now = new Date().toISOString();
  for (const kind of ['configmap', 'event']) mkdirSync(join(store, 'default', kind), { recursive: true });
  for (let i = 0; i < objects; i++) {
    const name = `object-${i}`;
    const base = { metadata: { name, namespace: 'default', uid: `uid-${i}`, resourceVersion: String(i + 1), creationTimestamp: now } };
    const obj = i % 2 === 0
      ? { apiVersion: 'v1', kind: 'ConfigMap', ...base, data: { key: `value ${i}`.repeat(10) } }
      : { apiVersion: 'v1', kind: 'Event', ...base, involvedObject: { kind: 'Cluster', name: 'pg', namespace: 'default' }, reason: 'Something', message: `event ${i}`, type: 'Normal', count: 1, firstTimestamp: now, lastTimestamp: now, source: { component: 'cnpg-ts-operator' } };
    writeFileSync(join(store, 'default', obj.kind.toLowerCase(), `${name}.json`), JSON.stringify(obj, null, 2) + '\n', { mode: 0o600 });
  }
  return join(store, 'default', 'event', 'object-1.json');
}

/** Spawns the daemon in the foreground and waits until /healthz answers; returns the seconds it took. */
async function timeStart(home: string): Promise<number> {
  rmSync(join(home, 'operator.json'), { force: true });
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, 'operator'], { env: { ...process.env, CNPG_HOME: home }, stdio: 'ignore' });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the daemon exited ${child.exitCode}; see ${join(home, 'operator.log')}`);
      if (existsSync(join(home, 'operator.json'))) {
        const d = JSON.parse(readFileSync(join(home, 'operator.json'), 'utf8')) as { port: number; token: string };
        const res = await fetch(`http://127.0.0.1:${d.port}/healthz`, { headers: { authorization: `Bearer ${d.token}` } }).catch(() => undefined);
        if (res?.ok) return (performance.now() - started) / 1000;
      }
      if (performance.now() - started > 300_000) throw new Error('the daemon did not answer within 300 s');
      await sleep(20);
    }
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

async function startPart(o: Options): Promise<void> {
  const rows: string[][] = [];
  const stats = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return [sorted[Math.floor(sorted.length / 2)]!, sorted[0]!, sorted.at(-1)!].map((x) => x.toFixed(2)).join(' / ');
  };
  for (const [label, objects, corrupt] of [['empty store (reference)', 0, false], ['objects, none corrupt', o.objects, false], ['objects, one emptied Event', o.objects, true]] as const) {
    const home = mkdtempSync(join(tmpdir(), 'cnpg-bench-start-'));
    try {
      const victim = objects > 0 ? fillStore(join(home, 'store'), objects) : '';
      const times: number[] = [];
      for (let t = 0; t < o.trials; t++) {
        if (corrupt) writeFileSync(victim, '');
        times.push(await timeStart(home));
      }
      const setAside = objects > 0 ? readdirSync(join(home, 'store', 'default', 'event')).filter((f) => f.includes('.corrupt-')).length : 0;
      rows.push([label, String(objects), String(o.trials), stats(times), String(setAside)]);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }
  console.log(`\nDaemon start: spawn → /healthz answers (seconds)`);
  printTable(['store', 'objects', 'trials', 'median / min / max', 'files set aside'], rows);
}

runBench(parseArgs, async (o) => {
  if (o.parts.includes('start')) await startPart(o);
  if (o.parts.includes('healthz')) await healthzPart(o);
});
