// Pure: spec.postgresql.synchronous.failoverQuorum, as CloudNativePG checks it before a failover.
// Commits wait for W of the N potential synchronous standbys; if R of those can be promoted now and
// R + W > N, at least one of the R acknowledged every commit, so promoting the most advanced loses
// nothing. Otherwise the failover waits. The N names and W are the ones the primary last ran (a
// record kept in the status), not the spec: the spec may have changed since the primary died.
import type { Cluster } from '../api/index.js';
import type { ClusterStatus, FailoverQuorumRecord } from '../api/cluster-status.js';
import { FAILOVER_QUORUM_ANNOTATION, parseGoBoolean } from '../api/failover-quorum.js';
import type { Action, ObservedInstance } from './types.js';

export function failoverQuorumActive(cluster: Cluster): boolean {
  const sync = cluster.spec.postgresql?.synchronous;
  if (!sync) return false;
  const annotated = cluster.metadata.annotations?.[FAILOVER_QUORUM_ANNOTATION];
  return (annotated === undefined ? undefined : parseGoBoolean(annotated)) ?? sync.failoverQuorum ?? false;
}

export interface ParsedSyncNames {
  method: 'any' | 'first';
  number: number;
  names: string[];
}

/**
 * synchronous_standby_names in PostgreSQL's three forms: `ANY n (...)`, `[FIRST] n (...)`, and a
 * bare list (FIRST 1). Empty is undefined (asynchronous); so is anything it cannot read.
 */
export function parseSynchronousStandbyNames(value: string): ParsedSyncNames | undefined {
  const text = value.trim();
  if (text === '') return undefined;
  const m = /^(?:(ANY|FIRST)\s+)?(\d+)\s*\((.*)\)$/is.exec(text);
  const method = m ? ((m[1] ?? 'first').toLowerCase() as 'any' | 'first') : 'first';
  const names = splitNames(m ? m[3]! : text);
  if (!names || names.length === 0) return undefined;
  return { method, number: m ? Number(m[2]) : 1, names };
}

function splitNames(list: string): string[] | undefined {
  const names: string[] = [];
  let i = 0;
  while (i < list.length) {
    while (list[i] === ' ' || list[i] === '\t') i++;
    let name = '';
    if (list[i] === '"') {
      i++;
      for (;;) {
        if (i >= list.length) return undefined;
        if (list[i] === '"' && list[i + 1] === '"') {
          name += '"';
          i += 2;
        } else if (list[i] === '"') break;
        else name += list[i++];
      }
      i++;
    } else {
      while (i < list.length && list[i] !== ',') name += list[i++];
      name = name.trim();
    }
    while (list[i] === ' ' || list[i] === '\t') i++;
    if (i < list.length && list[i] !== ',') return undefined;
    i++;
    names.push(name);
  }
  return names;
}

const sameSync = (a: ParsedSyncNames | undefined, b: ParsedSyncNames | undefined) =>
  a?.method === b?.method && a?.number === b?.number && a?.names.join('\0') === b?.names.join('\0');

/**
 * The record after this reconcile. Only the primary in charge writes it, from the setting it runs.
 * While the operator is handing it a different setting the record is dropped, as the reference
 * resets its object before a reload: between the reload and the next report nobody knows which of
 * the two the commits waited for. A primary that does not report keeps the last record, which is
 * the point: that is what the standbys were acknowledging when it went away.
 */
/** `handed`: the synchronous_standby_names the operator gives the primary now (computed only when needed). */
export function nextFailoverQuorumRecord(cluster: Cluster, previous: ClusterStatus, primary: ObservedInstance | undefined, handed: () => string | undefined): FailoverQuorumRecord | undefined {
  if (!failoverQuorumActive(cluster)) return undefined;
  const status = primary?.status;
  const inCharge = primary !== undefined && previous.currentPrimary === primary.name && previous.targetPrimary === primary.name;
  if (!inCharge || !status?.isPrimary || status.synchronousStandbyNames === undefined) return previous.failoverQuorum;
  const running = parseSynchronousStandbyNames(status.synchronousStandbyNames);
  const wanted = handed();
  if (wanted !== undefined && !sameSync(running, parseSynchronousStandbyNames(wanted))) return undefined;
  return {
    method: running?.method ?? '',
    standbyNames: (running?.names ?? []).filter((n) => n !== primary.name),
    standbyNumber: running?.number ?? 0,
    primary: primary.name,
  };
}

export interface QuorumCount {
  /** Promotable standbys among the N names. */
  r: number;
  w: number;
  n: number;
}

export const quorumMet = ({ r, w, n }: QuorumCount): boolean => r + w > n;

/** Reports its status, is ready and not fenced: what the reference calls promotable. */
function promotable(i: ObservedInstance, fenced: ReadonlySet<string>): boolean {
  return Boolean(i.running && i.status && !i.statusError && i.status.ready && !fenced.has(i.name));
}

export function countQuorum(record: FailoverQuorumRecord, instances: readonly ObservedInstance[], current: string, fenced: ReadonlySet<string>): QuorumCount {
  const names = new Set(record.standbyNames);
  const r = instances.filter((i) => i.name !== current && names.has(i.name) && promotable(i, fenced)).length;
  return { r, w: record.standbyNumber, n: names.size };
}

const HOLD_MARK = 'failover quorum';

/**
 * Why an automatic failover from `current` must wait, with the Event to record the first time;
 * undefined when it may go ahead. A `cnpg promote` of an instance that may be promoted (`named`,
 * named-promotion.ts) is the user's word that losing commits is acceptable: it passes, as in the
 * reference; a request the operator refuses does not.
 */
export function failoverQuorumHold(
  cluster: Cluster,
  previous: ClusterStatus,
  instances: readonly ObservedInstance[],
  current: string,
  fenced: ReadonlySet<string>,
  named: string | undefined,
): { reason: string; actions: Action[] } | undefined {
  if (!failoverQuorumActive(cluster) || named !== undefined) return undefined;
  const record = previous.failoverQuorum;
  let reason: string;
  if (!record || record.standbyNumber <= 0 || record.standbyNames.length === 0) {
    reason = `${HOLD_MARK}: the synchronous configuration ${current} last ran is not known, so no standby is sure to hold every commit; not failing over (cnpg promote forces it)`;
  } else {
    const count = countQuorum(record, instances, current, fenced);
    if (quorumMet(count)) return undefined;
    reason = `${HOLD_MARK} not met: R=${count.r} promotable of N=${count.n} potential synchronous standbys (${record.standbyNames.join(', ')}), W=${count.w}; R + W must exceed N; not failing over (cnpg promote forces it)`;
  }
  const again = previous.phaseReason?.includes(HOLD_MARK) ?? false;
  const event: Action = { kind: 'recordEvent', type: 'Warning', reason: 'FailoverQuorumNotMet', message: `Primary ${current} failed; ${reason}` };
  return { reason, actions: again ? [] : [event] };
}
