// Pure: spec.nodeMaintenanceWindow, as CloudNativePG acts on it. While a window is in progress
// with reusePVC false, a standby whose Pod cannot be scheduled (its node drained, its volume bound
// there) is removed with its volumes, and the usual scale-up clones a new one elsewhere. With
// reusePVC true (the default) it simply waits for its node to come back.
import type { Cluster } from '../api/index.js';
import type { Action, ObservedInstance } from './types.js';

export function maintenanceInProgress(cluster: Cluster): boolean {
  return cluster.spec.nodeMaintenanceWindow?.inProgress === true;
}

export function reusesVolumes(cluster: Cluster): boolean {
  return cluster.spec.nodeMaintenanceWindow?.reusePVC ?? true;
}

/**
 * The standbys to drop during a maintenance window that does not reuse volumes, with what to do.
 * The primary is never dropped here: its Pod gone is a failover first, and it is a standby after.
 */
export function planDrainedInstances(cluster: Cluster, instances: ObservedInstance[], primary: string): { drop: string[]; actions: Action[] } {
  if (!maintenanceInProgress(cluster) || reusesVolumes(cluster)) return { drop: [], actions: [] };
  const drop = instances.filter((i) => i.unschedulable && i.name !== primary).map((i) => i.name);
  return {
    drop,
    actions: drop.flatMap((name): Action[] => [
      { kind: 'removeInstance', name },
      { kind: 'recordEvent', type: 'Normal', reason: 'DeletePod', message: `Deleted unschedulable pod ${name} and its PVCs (nodeMaintenanceWindow in progress, reusePVC false): a new instance is cloned elsewhere` },
    ]),
  };
}
