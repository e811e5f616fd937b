// What a Cluster's status says when a reconcile's actions did not all run.
import type { ClusterStatus } from '../api/cluster-status.js';
import type { Action } from './types.js';

const UPGRADE_FIELDS = ['pgDataImageInfo', 'targetPgDataImageInfo'] as const;
const PRIMARY_FIELDS = ['currentPrimary', 'currentPrimaryTimestamp', 'targetPrimary', 'targetPrimaryTimestamp', 'currentPrimaryFailingSinceTimestamp'] as const;

/**
 * The plan's status describes every action, so most of it stays as it was before. But an instance
 * promoted is primary whatever failed after it: forgetting that would have the next reconcile
 * choose a primary again.
 */
export function statusAfterFailure(previous: ClusterStatus, planned: ClusterStatus, done: readonly Action[], reason: string): ClusterStatus {
  const status: ClusterStatus = { ...previous, phaseReason: reason };
  // A failed major upgrade, once told, is over: kept in the upgrade's phase, every retry would tell it again.
  if (done.some((a) => a.kind === 'recordEvent' && a.reason === 'MajorUpgradeFailed')) {
    status.phase = planned.phase;
    for (const field of UPGRADE_FIELDS) {
      if (planned[field] === undefined) delete status[field];
      else status[field] = planned[field];
    }
  }
  if (!done.some((a) => a.kind === 'promoteInstance' || a.kind === 'switchover')) return status;
  for (const field of PRIMARY_FIELDS) {
    if (planned[field] === undefined) delete status[field];
    else status[field] = planned[field];
  }
  return status;
}
