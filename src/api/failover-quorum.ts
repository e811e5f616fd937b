// CloudNativePG's deprecated `alpha.cnpg.io/failoverQuorum` annotation: still read, and when it is
// a boolean it wins over spec.postgresql.synchronous.failoverQuorum. Admission checks it as the
// reference's webhook does.
import type { z } from 'zod';
import { msg, report } from './errors.js';

export const FAILOVER_QUORUM_ANNOTATION = 'alpha.cnpg.io/failoverQuorum';

/** Go's strconv.ParseBool, as the reference reads the annotation; undefined when not a boolean. */
export function parseGoBoolean(value: string): boolean | undefined {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  return undefined;
}

interface Synchronous {
  number: number;
  failoverQuorum?: boolean;
  standbyNamesPre?: string[];
  standbyNamesPost?: string[];
}

export function checkFailoverQuorumAnnotation(cluster: { metadata: { annotations?: Record<string, string> }; spec: { postgresql: { synchronous?: Synchronous } } }, ctx: z.RefinementCtx): void {
  const value = cluster.metadata.annotations?.[FAILOVER_QUORUM_ANNOTATION];
  if (value === undefined) return;
  const on = parseGoBoolean(value);
  if (on === undefined) return report(ctx, ['metadata', 'annotations', FAILOVER_QUORUM_ANNOTATION], msg.failoverQuorumAnnotation(value));
  if (!on) return;
  const sync = cluster.spec.postgresql.synchronous;
  if (!sync) return report(ctx, ['spec', 'postgresql', 'synchronous'], msg.failoverQuorumNeedsSync());
  // The spec field already had this checked where it is set.
  const remote = (sync.standbyNamesPre?.length ?? 0) + (sync.standbyNamesPost?.length ?? 0);
  if (!sync.failoverQuorum && sync.number <= remote) report(ctx, ['spec', 'postgresql', 'synchronous', 'number'], msg.failoverQuorumNumber(remote));
}
