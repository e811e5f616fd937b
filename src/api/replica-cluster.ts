// spec.replica: whether a Cluster follows another one, and the rules of its manifest.
import type { z } from 'zod';
import { msg, report } from './errors.js';
import { goDurationSeconds } from './go-duration.js';
import { decodePromotionToken } from './promotion-token.js';
import type { replicaSchema } from './cluster-replication.js';

type Replica = z.infer<typeof replicaSchema>;

/**
 * As CloudNativePG: `enabled`, when given, says it; otherwise the Cluster is a replica unless
 * `primary` names this Cluster (`self`, or its own name).
 */
export function isReplicaCluster(cluster: { metadata: { name: string }; spec: { replica?: Replica } }): boolean {
  const r = cluster.spec.replica;
  if (!r) return false;
  if (r.enabled !== undefined) return r.enabled;
  return (r.self ?? cluster.metadata.name) !== r.primary;
}

export function checkReplica(cluster: { metadata: { name: string }; spec: { replica?: Replica } }, ctx: z.RefinementCtx): void {
  const r = cluster.spec.replica;
  if (!r) return;
  // `enabled` is the single-cluster switch; `primary` the distributed topology's: one or the other.
  if (r.enabled !== undefined && r.primary !== undefined) report(ctx, ['spec', 'replica', 'enabled'], msg.mutuallyExclusive(['enabled', 'primary']));
  if (r.minApplyDelay !== undefined && goDurationSeconds(r.minApplyDelay) === undefined) {
    report(ctx, ['spec', 'replica', 'minApplyDelay'], `must be a duration such as 30s, 5m or 1h, got ${JSON.stringify(r.minApplyDelay)}`);
  }
  if (r.promotionToken === undefined) return;
  if (isReplicaCluster(cluster)) {
    report(ctx, ['spec', 'replica', 'promotionToken'], msg.promotionTokenOnReplica(r.self ?? cluster.metadata.name));
    return;
  }
  const token = decodePromotionToken(r.promotionToken);
  if ('error' in token) report(ctx, ['spec', 'replica', 'promotionToken'], msg.promotionTokenInvalid(token.error));
}
