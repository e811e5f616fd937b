// One trial, the same for every system: healthy cluster, writer running, failure injected, time
// until writes are acknowledged again and until the cluster is whole, then the acknowledged rows
// looked up on the new primary. Every wait is bounded; a timeout is a failed trial, not a hang.
import { unavailabilityMs, type TrialResult } from './measure.js';
import { poll } from './procs.js';
import { lostRows, resetTable, Writer } from './writer.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Victim {
  /** The member that was primary when the failure was injected. */
  name: string;
}

export interface Health {
  healthy: boolean;
  /** What is still missing, or the primary's name when healthy; printed when a trial times out. */
  detail: string;
  primary?: string;
}

/** How long one step of bringing a system up took, printed beside the trials. */
export interface SetupFigure {
  what: string;
  ms: number;
}

export interface System<V extends Victim = Victim> {
  /** cnpg: the local platform; kubernetes: cnpg-ts on a real node; patroni: the reference. */
  readonly name: 'cnpg' | 'kubernetes' | 'patroni';
  readonly kinds: readonly string[];
  /** Where the writer connects: the system's normal way in for an application. */
  conninfo(): string;
  /** Tears the cluster down and builds a new one (after a trial left it broken). */
  recreate(): Promise<void>;
  primary(): Promise<V>;
  inject(kind: string, victim: V): Promise<void>;
  /** Healthy, and (when `after` is given) recovered from that failure rather than not yet aware of it. */
  health(after?: { kind: string; victim: V }): Promise<Health>;
}

export interface TrialOptions {
  timeoutMs: number;
  log: (line: string) => void;
}

/** A failed trial whose rows could not be looked up yet: counted once the cluster is back. */
export interface Uncounted {
  acked: number[];
  result: TrialResult;
}

const POLL_MS = 200;
// Long enough for the writer to be in its steady state when the failure comes.
const WARMUP_MS = 1000;

async function healthyWithin<V extends Victim>(sys: System<V>, timeoutMs: number, after?: { kind: string; victim: V }) {
  let last: Health = { healthy: false, detail: 'no answer yet' };
  // The last thing still missing before it turned healthy: says what a slow recovery waited for.
  let waitedFor = 'nothing: healthy at the first look';
  const at = await poll(
    async () => {
      last = await sys.health(after).catch((e: unknown) => ({ healthy: false, detail: (e as Error).message }));
      if (!last.healthy) waitedFor = last.detail;
      return last.healthy ? performance.now() : undefined;
    },
    timeoutMs,
    POLL_MS,
  );
  return { at, last, waitedFor };
}

/** Counts a previous trial's lost rows now that the cluster is healthy again. */
export async function countLate(sys: System, u: Uncounted, log: (line: string) => void): Promise<void> {
  u.result.lost = await lostRows(sys.conninfo(), u.acked).catch(() => undefined);
  log(`  the previous failed trial lost ${u.result.lost ?? '?'} acknowledged rows (counted once the cluster was back)`);
}

export async function settle(sys: System, u: Uncounted | undefined, opts: TrialOptions): Promise<void> {
  if (u && (await healthyWithin(sys, opts.timeoutMs)).at !== undefined) await countLate(sys, u, opts.log);
}

export async function runTrial<V extends Victim>(
  sys: System<V>,
  kind: string,
  opts: TrialOptions,
  uncounted?: Uncounted,
): Promise<{ result: TrialResult; uncounted?: Uncounted }> {
  const before = await healthyWithin(sys, opts.timeoutMs);
  if (before.at === undefined) {
    opts.log(`  not healthy before the trial (${before.last.detail}); recreating the cluster`);
    await sys.recreate();
    if (uncounted) opts.log('  the previous failed trial\'s rows went with the old cluster: not counted');
    if ((await healthyWithin(sys, opts.timeoutMs)).at === undefined) return { result: { failure: 'not healthy before the trial, even recreated' } };
  } else if (uncounted) {
    await countLate(sys, uncounted, opts.log);
  }
  const conninfo = sys.conninfo();
  await resetTable(conninfo);
  // Bounded even if stop() were never reached: the longest a trial can take, plus a margin.
  const writer = new Writer(conninfo, { maxRows: 5_000_000, maxMs: 2 * opts.timeoutMs + 120_000 });
  writer.start();
  let injectedAt = 0;
  let healthyMs: number | undefined;
  let failure: string | undefined;
  try {
    await sleep(WARMUP_MS);
    if (writer.acked.length === 0) return { result: { failure: 'the writer could not commit before the failure', lost: 0 } };
    const victim = await sys.primary();
    injectedAt = performance.now();
    await sys.inject(kind, victim);
    const after = await healthyWithin(sys, opts.timeoutMs, { kind, victim });
    if (after.at === undefined) {
      failure = `not healthy within ${opts.timeoutMs / 1000} s`;
      opts.log(`  ${failure}: ${after.last.detail}`);
    } else {
      healthyMs = after.at - injectedAt;
      opts.log(`  ${victim.name} → ${after.last.primary ?? '?'} (last waited for: ${after.waitedFor})`);
      const healthyAt = after.at;
      // Healthy but not taking writes is not recovered.
      const resumed = await poll(async () => ((writer.ackedAt.at(-1) ?? 0) > healthyAt ? true : undefined), 30_000, 20);
      if (!resumed) failure = 'healthy but the writer is not committing 30 s later';
    }
  } finally {
    await writer.stop();
  }
  const gap = unavailabilityMs(writer.ackedAt, injectedAt);
  const lost = await lostRows(conninfo, writer.acked).catch(() => undefined);
  if (gap === undefined && failure === undefined) failure = 'no write acknowledged after the failure';
  const result: TrialResult = { unavailabilityMs: failure ? undefined : gap, healthyMs: failure ? undefined : healthyMs, lost, failure };
  return { result, uncounted: lost === undefined ? { acked: writer.acked, result } : undefined };
}
