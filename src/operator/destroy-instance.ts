// `cnpg destroy CLUSTER INSTANCE`: the instance and its data go, and the Cluster, one instance
// short of spec.instances, makes a new one with the next serial, as CloudNativePG does after its
// plugin deletes the Pod and PVCs. CloudNativePG lets the primary be destroyed too, and then fails
// over; here the primary is switched over to a streaming standby first, so no acknowledged write is
// lost, and the only instance of a Cluster (its only copy of the data) is refused. With --keep-pvc
// the data stays, detached from the Cluster (a PVC with cnpg.io/pvcStatus=detached and no owner;
// locally a data folder set aside), and the new instance takes a serial the kept data does not hold.
import { ANNOTATIONS } from '../api/names.js';
import { chooseFailoverTarget } from './failover.js';
import { PHASE } from './phases.js';
import type { Action, ObservedInstance } from './types.js';

const WORKING_REQUEUE_MS = 200;

export interface DestroyProgress {
  phase: string;
  reason: string;
  requeueAfterMs?: number;
}

export type DestroyDecision =
  /** A standby: removed now, with its data. */
  | { kind: 'remove'; instance: string; actions: Action[]; progress: DestroyProgress }
  /** The primary: a switchover to `to` first; the request stays until the old primary is a standby. */
  | { kind: 'switchover'; to: string; actions: Action[]; progress: DestroyProgress }
  /** The primary, with no streaming standby to take over yet: the request waits, and nothing else does. */
  | { kind: 'wait' }
  /** Nothing to destroy: the request is dropped with a Warning event saying why. */
  | { kind: 'refuse'; actions: Action[] };

/** Why `destroy` of `instance` cannot be asked for, or undefined; the CLI says it before writing anything. */
export function destroyRefusal(cluster: string, instance: string, instances: readonly string[]): string | undefined {
  if (!instances.includes(instance)) return `instance ${instance} is not part of cluster ${cluster} (instances: ${instances.join(', ') || 'none'})`;
  if (instances.length === 1) return `instance ${instance} is the only instance of cluster ${cluster} and holds its only copy of the data; delete the Cluster instead, or scale it up first`;
  return undefined;
}

/** The request the destroy annotations carry: the instance, and whether its data stays (destroy --keep-pvc). */
export interface DestroyRequest {
  instance: string;
  keepData: boolean;
}

export function destroyRequest(annotations: Record<string, string> | undefined): DestroyRequest | undefined {
  const instance = annotations?.[ANNOTATIONS.destroyInstance];
  return instance ? { instance, keepData: annotations?.[ANNOTATIONS.destroyKeepPvc] === 'true' } : undefined;
}

/** What the `cnpg.io/destroyInstance` request asks of this reconcile, once the cluster has a primary. */
export function planDestroy(cluster: string, request: DestroyRequest | undefined, instances: readonly ObservedInstance[], primary: string, fenced: ReadonlySet<string>): DestroyDecision | undefined {
  if (!request) return undefined;
  const wanted = request.instance;
  const clear: Action[] = [{ kind: 'clearAnnotation', key: ANNOTATIONS.destroyInstance }];
  if (request.keepData) clear.push({ kind: 'clearAnnotation', key: ANNOTATIONS.destroyKeepPvc });
  const refusal = destroyRefusal(cluster, wanted, instances.map((i) => i.name));
  if (refusal) return { kind: 'refuse', actions: [{ kind: 'recordEvent', type: 'Warning', reason: 'DestroyRefused', message: `${refusal}; nothing destroyed` }, ...clear] };
  if (wanted !== primary) {
    const message = request.keepData ? `Destroying instance ${wanted} and keeping its data, detached from the cluster, as requested` : `Destroying instance ${wanted} and its data, as requested`;
    return {
      kind: 'remove',
      instance: wanted,
      actions: [request.keepData ? { kind: 'removeInstance', name: wanted, keepData: true } : { kind: 'removeInstance', name: wanted }, { kind: 'recordEvent', type: 'Normal', reason: 'DestroyingInstance', message }, ...clear],
      progress: { phase: PHASE.waitingForInstances, reason: `Destroying ${wanted}, as requested`, requeueAfterMs: WORKING_REQUEUE_MS },
    };
  }
  const target = chooseFailoverTarget([...instances], new Set([primary, ...fenced]));
  // Only a standby that streams is known to hold every write the primary acknowledged.
  if (!target?.status?.ready || !target.status.isWalReceiverActive) {
    return { kind: 'wait' };
  }
  return {
    kind: 'switchover',
    to: target.name,
    actions: [{ kind: 'recordEvent', type: 'Normal', reason: 'Switchover', message: `Switching over to ${target.name} to destroy the primary ${primary}, as requested` }],
    progress: { phase: PHASE.switchover, reason: `Switching over to ${target.name} to destroy ${primary}`, requeueAfterMs: WORKING_REQUEUE_MS },
  };
}
