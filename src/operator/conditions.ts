// Status conditions that keep their transition time while their status holds.
import type { Condition } from '../api/cluster-status.js';

export function condition(type: string, ok: boolean, reason: [string, string], message: string, previous: Condition[] | undefined, now: string): Condition {
  const status = ok ? 'True' : 'False';
  const before = previous?.find((c) => c.type === type);
  return { type, status, reason: ok ? reason[0] : reason[1], message, lastTransitionTime: before && before.status === status ? before.lastTransitionTime : now };
}
