// Pure: whether the standbys bear out uncertain evidence against the primary (a manager that does
// not answer in time, a PostgreSQL that does not answer its manager). A busy machine produces that
// evidence on a healthy primary, so it counts only with witnesses: standbys that streamed from this
// very primary since both started, and have heard nothing from it for a whole window, long enough
// for PostgreSQL to have tried to reconnect (wal_retrieve_retry_interval, 5 s by default). Their
// silence is measured on their own machine, so it is itself a persistence over the window, not one
// sample, and no two machines' clocks are compared to within seconds. A standby that never streamed
// since it or the primary started (both just restarted, say) knows nothing and is no witness; one
// that still streams, or heard from the primary within the window, says the primary is alive.
import type { ObservedCluster, ObservedInstance } from './types.js';

/** How long a witness must have heard nothing from the primary: the uncertain-evidence window, and PostgreSQL's reconnect interval. */
export const WITNESS_SILENCE_MS = 5_000;

export type Testimony =
  | { corroborated: true; witnesses: string[] }
  /** `noWitness`: nobody could tell either way (as opposed to a standby that says the primary lives). */
  | { corroborated: false; noWitness: boolean; why: string };

/** When the primary's PostgreSQL or manager last started, as far as anything observed says. */
export function primaryStartedAt(p: ObservedInstance | undefined): number | undefined {
  const times = [p?.managerStartedAt, p?.status?.postmasterStartTime].map((t) => (t ? Date.parse(t) : NaN)).filter((t) => !Number.isNaN(t));
  return times.length ? Math.max(...times) : undefined;
}

export function testimony(instances: ObservedInstance[], primary: string, now: Date): Testimony {
  const started = primaryStartedAt(instances.find((i) => i.name === primary));
  const standbys = instances.filter((i) => i.name !== primary && i.running && i.status && !i.statusError && i.status.postgresRunning && i.status.isPrimary === false);
  const witnesses: string[] = [];
  const unknowing: string[] = [];
  for (const s of standbys) {
    if (s.status?.isWalReceiverActive) return { corroborated: false, noWitness: false, why: `${s.name} still receives its WAL, so it is not failed over` };
    const heard = s.status?.walReceiver;
    if (!heard || heard.from !== primary) {
      unknowing.push(`${s.name} has not streamed from it since it started`);
      continue;
    }
    const heardAt = now.getTime() - heard.silentForMs;
    if (started !== undefined && heardAt < started) {
      unknowing.push(`${s.name} last streamed from it before it started again`);
      continue;
    }
    if (heard.silentForMs < WITNESS_SILENCE_MS) {
      return { corroborated: false, noWitness: false, why: `${s.name} heard from it ${(heard.silentForMs / 1000).toFixed(1)}s ago; failing over once no standby has for ${WITNESS_SILENCE_MS / 1000}s` };
    }
    witnesses.push(s.name);
  }
  if (witnesses.length > 0) return { corroborated: true, witnesses };
  const who = unknowing.length ? `: ${unknowing.join(', ')}` : ': no standby answers';
  return { corroborated: false, noWitness: true, why: `no standby witnesses its failure${who}; not failed over without one` };
}

/** The primary's lease ran out: nobody renewed it for its whole duration, as this operator watched it (or it was released). */
export function primaryLeaseExpired(lease: ObservedCluster['primaryLease'], primary: string): boolean {
  if (!lease) return false;
  return lease.holder === '' || (lease.holder === primary && lease.unchangedForMs >= lease.leaseDurationMs);
}

/**
 * A primary that just started (its manager recreated, its PostgreSQL restarted) is slow by nature:
 * crash recovery, cold caches, standbys not yet reconnected. Uncertain evidence against it counts
 * only from this long after its start, as the project's managers get their own start grace.
 * CloudNativePG waits 30 s before failing over a primary whose manager was just replaced (online
 * upgrade), and Patroni's leader keeps its key for its TTL across a restart; this grace applies to
 * uncertain evidence only, so a crash (certain) is still failed over at once.
 */
export const PRIMARY_START_GRACE_MS = 10_000;

export type UncertainVerdict = { failOver: true; because: string } | { failOver: false; why: string };

export interface UncertainCase {
  instances: ObservedInstance[];
  primary: string;
  /** The failing-since mark (status.currentPrimaryFailingSinceTimestamp). */
  since: string;
  observed: Pick<ObservedCluster, 'now' | 'observingSince' | 'primaryLease'>;
  /** spec.failoverDelay, in ms. */
  delayMs: number;
}

/** Whether uncertain evidence against the primary now justifies failing over, or why it is held. */
export function judgeUncertainFailure(c: UncertainCase, windowMs: number): UncertainVerdict {
  const now = c.observed.now.getTime();
  const started = primaryStartedAt(c.instances.find((i) => i.name === c.primary));
  const graceEnds = started === undefined ? 0 : started + PRIMARY_START_GRACE_MS;
  // A restarted operator has seen nothing of what happened before it: it counts from its start.
  const counted = Math.max(Date.parse(c.since), c.observed.observingSince?.getTime() ?? 0, graceEnds);
  const waited = now - counted;
  const needed = Math.max(c.delayMs, windowMs);
  if (waited < needed) {
    const left = `${Math.ceil((needed - waited) / 1000)}s`;
    return { failOver: false, why: graceEnds > now ? `it started ${((now - (started ?? now)) / 1000).toFixed(1)}s ago and has ${PRIMARY_START_GRACE_MS / 1000}s to settle; then ${needed / 1000}s more if it persists and a standby witnesses it` : `failing over in ${left} if it persists and a standby witnesses it` };
  }
  const seconds = `for ${Math.round(waited / 1000)}s`;
  const t = testimony(c.instances, c.primary, c.observed.now);
  if (t.corroborated) return { failOver: true, because: `${seconds}, and ${t.witnesses.join(', ')} heard nothing from it for ${WITNESS_SILENCE_MS / 1000}s or more` };
  if (t.noWitness && primaryLeaseExpired(c.observed.primaryLease, c.primary)) return { failOver: true, because: `${seconds}, no standby witnesses it, and its primary lease expired` };
  return { failOver: false, why: t.why };
}
