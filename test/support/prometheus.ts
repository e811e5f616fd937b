// A real Prometheus (Debian's package, /usr/bin/prometheus) for integration tests: it scrapes the
// targets a test gives it, evaluates rule files, and answers PromQL over its HTTP API. Targets live
// in a file_sd file, so a test can change them while Prometheus runs; stop() kills it and removes
// its folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { freePort } from '../../src/platform/local/ports.js';

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
export const PROMTOOL_BIN = process.env.PROMTOOL_BIN ?? '/usr/bin/promtool';

export interface ScrapeTarget {
  /** host:port serving /metrics. */
  address: string;
  /** Target labels, e.g. the `namespace` and `pod` a PodMonitor would add. */
  labels?: Record<string, string>;
}

export interface PrometheusOptions {
  targets: ScrapeTarget[];
  /** Rule files' contents (Prometheus' own rule-file format, not a PrometheusRule object). */
  rules?: string[];
  scrapeIntervalSeconds?: number;
  evaluationIntervalSeconds?: number;
}

export interface Sample {
  metric: Record<string, string>;
  value: number;
}

export interface Alert {
  labels: Record<string, string>;
  state: 'pending' | 'firing' | 'inactive';
}

export interface Prometheus {
  /** http://127.0.0.1:PORT */
  url: string;
  /** An instant query; rejects on a PromQL error. */
  query(promql: string): Promise<Sample[]>;
  /** Every metric name Prometheus holds a series of. */
  metricNames(): Promise<string[]>;
  /** Active (pending or firing) alerts of the loaded rules. */
  alerts(): Promise<Alert[]>;
  /** Targets whose last scrape failed, with the error, to explain a missing series. */
  unhealthyTargets(): Promise<Array<{ scrapeUrl: string; lastError: string }>>;
  setTargets(targets: ScrapeTarget[]): void;
  /** What Prometheus wrote to stderr so far (to explain a failure). */
  log(): string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function writeTargets(file: string, targets: ScrapeTarget[]): void {
  const groups = targets.map((t) => ({ targets: [t.address], labels: t.labels ?? {} }));
  // Prometheus watches the file: a rename makes it see a whole list, never a half-written one.
  writeFileSync(`${file}.tmp`, JSON.stringify(groups));
  renameSync(`${file}.tmp`, file);
}

async function api<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as { status: string; data: T; error?: string; errorType?: string };
  if (body.status !== 'success') throw new Error(`prometheus ${url}: ${body.errorType ?? res.status} ${body.error ?? ''}`);
  return body.data;
}

export async function startPrometheus(options: PrometheusOptions): Promise<Prometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'cnpg-prometheus-'));
  const targetsFile = join(dir, 'targets.json');
  writeTargets(targetsFile, options.targets);
  const ruleFiles = (options.rules ?? []).map((text, i) => {
    const file = join(dir, `rules-${i}.yaml`);
    writeFileSync(file, text);
    return file;
  });
  // Two seconds: fresh enough for a test, and a scrape of a busy machine has that long to answer.
  const interval = `${options.scrapeIntervalSeconds ?? 2}s`;
  const config = {
    global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: `${options.evaluationIntervalSeconds ?? 1}s` },
    rule_files: ruleFiles,
    scrape_configs: [{ job_name: 'cnpg', file_sd_configs: [{ files: [targetsFile], refresh_interval: '1s' }] }],
  };
  writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(PROMETHEUS_BIN, [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    // Series of a stopped target stay queryable briefly; a test asks about now.
    '--query.lookback-delta=15s',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(child);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
  });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  child.on('close', () => live.delete(child));
  child.on('error', (e) => (stderr += `\n${e.message} (install the Debian package prometheus)`));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`prometheus exited before it was ready:\n${stderr}`);
    }
    try {
      if ((await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) })).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready after ${READY_TIMEOUT_MS} ms:\n${stderr}`);
    }
    await sleep(100);
  }

  return {
    url,
    async query(promql) {
      const data = await api<{ resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      if (data.resultType !== 'vector') throw new Error(`prometheus: ${promql} is a ${data.resultType}, not an instant vector`);
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    metricNames: () => api<string[]>(`${url}/api/v1/label/__name__/values`),
    async alerts() {
      const data = await api<{ alerts: Alert[] }>(`${url}/api/v1/alerts`);
      return data.alerts;
    },
    async unhealthyTargets() {
      const data = await api<{ activeTargets: Array<{ scrapeUrl: string; health: string; lastError: string }> }>(`${url}/api/v1/targets?state=active`);
      return data.activeTargets.filter((t) => t.health !== 'up').map((t) => ({ scrapeUrl: t.scrapeUrl, lastError: t.lastError }));
    },
    setTargets: (targets) => writeTargets(targetsFile, targets),
    log: () => stderr,
    stop,
  };
}
