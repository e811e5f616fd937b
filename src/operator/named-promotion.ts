// `cnpg promote CLUSTER INSTANCE` while the primary has failed. CloudNativePG promotes the instance
// the user named, even past a failover quorum hold: the user takes the commits that instance may
// lack. Here the request (the cnpg.io/targetPrimary annotation) stays on the Cluster while the
// failover isolates the old primary, and the step that promotes takes the named instance instead
// of the most advanced standby, then clears the request.
import { ANNOTATIONS } from '../api/names.js';
import type { Action, ObservedInstance } from './types.js';

/** May be promoted at the user's word: running, ready, not fenced, and not the failed primary. */
function promotable(i: ObservedInstance | undefined, failed: string, fenced: ReadonlySet<string>): i is ObservedInstance {
  return Boolean(i && i.name !== failed && i.running && i.status?.ready && !fenced.has(i.name));
}

/** The instance a pending `cnpg promote` names, when it may be promoted now; undefined otherwise. */
export function namedPromotion(annotations: Record<string, string> | undefined, instances: readonly ObservedInstance[], failed: string, fenced: ReadonlySet<string>): string | undefined {
  const wanted = annotations?.[ANNOTATIONS.targetPrimary];
  return promotable(instances.find((i) => i.name === wanted), failed, fenced) ? wanted : undefined;
}

/**
 * Whether the failover of the failing primary `current` will carry out the pending request: then
 * the request stays on the Cluster until it has. `failing`: the primary fails and is not fenced.
 */
export function failoverCarriesRequest(annotations: Record<string, string> | undefined, instances: readonly ObservedInstance[], current: string, fenced: ReadonlySet<string>, failing: boolean): boolean {
  return failing && namedPromotion(annotations, instances, current, fenced) !== undefined;
}

/**
 * For the promotion step of a failover from `failed`: the named instance if the request still holds,
 * else nothing (the most advanced standby is chosen, as without a request). A request is answered
 * here either way: cleared, with an Event when it can no longer be carried out.
 */
export function failoverRequest(
  cluster: string,
  annotations: Record<string, string> | undefined,
  instances: readonly ObservedInstance[],
  failed: string,
  fenced: ReadonlySet<string>,
): { target?: ObservedInstance; actions: Action[] } {
  const wanted = annotations?.[ANNOTATIONS.targetPrimary];
  if (!wanted) return { actions: [] };
  const clear: Action = { kind: 'clearAnnotation', key: ANNOTATIONS.targetPrimary };
  const target = instances.find((i) => i.name === wanted);
  if (promotable(target, failed, fenced)) return { target, actions: [clear] };
  const message = `${wanted} is not a ready, unfenced standby of ${cluster}; the failover from ${failed} promotes the most advanced standby instead`;
  return { actions: [{ kind: 'recordEvent', type: 'Warning', reason: 'SwitchoverRefused', message }, clear] };
}
