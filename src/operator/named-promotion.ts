// `cnpg promote CLUSTER INSTANCE` while the primary has failed. CloudNativePG promotes the instance
// the user named, even past a failover quorum hold: the user takes the commits that instance may
// lack. A promote comes two ways: our `cnpg promote` sets the cnpg.io/targetPrimary annotation,
// CloudNativePG's kubectl plugin writes status.targetPrimary itself. Both are one request
// (requestedPrimary). It stays on the Cluster, as the annotation, while the failover isolates the
// old primary, and the step that promotes takes the named instance instead of the most advanced
// standby, then clears the request.
import { ANNOTATIONS } from '../api/names.js';
import type { Action, ObservedInstance } from './types.js';

/** The marker status.targetPrimary holds while a failover chooses its target. */
const PENDING = 'pending';

/** May be promoted at the user's word: running, ready, not fenced, and not the failed primary. */
function promotable(i: ObservedInstance | undefined, failed: string, fenced: ReadonlySet<string>): i is ObservedInstance {
  return Boolean(i && i.name !== failed && i.running && i.status?.ready && !fenced.has(i.name));
}

/**
 * The instance a user asked to become primary, by either route: the annotation, else a
 * status.targetPrimary naming another instance than the current primary `current`.
 */
export function requestedPrimary(annotations: Record<string, string> | undefined, status: { targetPrimary?: string }, current: string): string | undefined {
  const annotated = annotations?.[ANNOTATIONS.targetPrimary];
  if (annotated) return annotated;
  const target = status.targetPrimary;
  return target && target !== current && target !== PENDING ? target : undefined;
}

/** The instance a pending request (requestedPrimary) names, when it may be promoted now; undefined otherwise. */
export function namedPromotion(wanted: string | undefined, instances: readonly ObservedInstance[], failed: string, fenced: ReadonlySet<string>): string | undefined {
  return promotable(instances.find((i) => i.name === wanted), failed, fenced) ? wanted : undefined;
}

/**
 * Whether the failover of the failing primary `current` will carry out the pending request: then
 * the request stays on the Cluster until it has. `failing`: the primary fails and is not fenced.
 */
export function failoverCarriesRequest(wanted: string | undefined, instances: readonly ObservedInstance[], current: string, fenced: ReadonlySet<string>, failing: boolean): boolean {
  return failing && namedPromotion(wanted, instances, current, fenced) !== undefined;
}

/**
 * When the failover starts for a named promotion: status.targetPrimary is about to say it is
 * pending, so a request that came that way is kept as the annotation, which the promoting step reads.
 */
export function keepRequest(annotations: Record<string, string> | undefined, named: string | undefined): Action[] {
  if (named === undefined || annotations?.[ANNOTATIONS.targetPrimary] === named) return [];
  return [{ kind: 'setAnnotation', key: ANNOTATIONS.targetPrimary, value: named }];
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
