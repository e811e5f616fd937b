// Samples the local daemon's GET /healthz from a worker thread of its own, one request at a time,
// so that what the test's main thread does meanwhile (spawning the CLI, reading its output) is not
// counted as the daemon's time. A request that hangs is one long sample.
import { request } from 'node:http';
import { once } from 'node:events';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LoopDelayReport {
  p99Ms: number;
  maxMs: number;
  windowS: number;
}

interface Sample {
  /** Seconds since sampling began. */
  at: number;
  ms: number;
}

export interface HealthReport {
  n: number;
  p50: number;
  p99: number;
  max: number;
  /** The five slowest samples, with when they happened. */
  slowest: string;
  failures: string[];
  /** The daemon's own account of its event loop, from its last answer. */
  loopDelay?: LoopDelayReport;
}

interface Job {
  port: number;
  token: string;
  everyMs: number;
}

function healthz({ port, token }: Job): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthz', agent: false, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function sample(job: Job, port: NonNullable<typeof parentPort>): Promise<void> {
  let stopping = false;
  port.once('message', () => (stopping = true));
  const samples: Sample[] = [];
  const failures: string[] = [];
  let loopDelay: LoopDelayReport | undefined;
  await healthz(job).catch(() => undefined);
  const started = performance.now();
  while (!stopping) {
    const t0 = performance.now();
    try {
      const res = await healthz(job);
      if (res.status !== 200) failures.push(`HTTP ${res.status}: ${res.body}`);
      else loopDelay = (JSON.parse(res.body) as { eventLoopDelay?: LoopDelayReport }).eventLoopDelay;
    } catch (e) {
      failures.push((e as Error).message);
    }
    const ms = performance.now() - t0;
    samples.push({ at: (t0 - started) / 1000, ms });
    await sleep(Math.max(0, job.everyMs - ms));
  }
  port.postMessage({ samples, failures, loopDelay });
  port.close();
}

if (!isMainThread && parentPort && (workerData as { healthSampler?: Job } | undefined)?.healthSampler) {
  void sample((workerData as { healthSampler: Job }).healthSampler, parentPort);
}

export class HealthSampler {
  private readonly worker: Worker;

  constructor(port: number, token: string, everyMs = 100) {
    this.worker = new Worker(new URL(import.meta.url), { workerData: { healthSampler: { port, token, everyMs } satisfies Job } });
  }

  async stop(): Promise<HealthReport> {
    const answer = once(this.worker, 'message');
    this.worker.postMessage('stop');
    const [{ samples, failures, loopDelay }] = (await answer) as [{ samples: Sample[]; failures: string[]; loopDelay?: LoopDelayReport }];
    await this.worker.terminate();
    const sorted = [...samples].sort((a, b) => a.ms - b.ms);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]?.ms ?? NaN;
    const slowest = sorted
      .slice(-5)
      .reverse()
      .map((s) => `${s.ms.toFixed(0)} ms at ${s.at.toFixed(1)} s`)
      .join(', ');
    return { n: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.at(-1)?.ms ?? NaN, slowest, failures, loopDelay };
  }
}
