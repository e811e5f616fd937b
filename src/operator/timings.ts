// Pure: the Cluster's timings its instance managers act on themselves (how they shut down, demote
// and promote), handed out only when one differs from CloudNativePG's default, so that the
// configuration hash of a Cluster that sets none stays what it was.
import { isDeepStrictEqual } from 'node:util';
import type { Cluster } from '../api/index.js';
import { DEFAULT_TIMINGS, type InstanceTimings } from '../instance/shutdown.js';

export function instanceTimings(cluster: Cluster): { timings?: InstanceTimings } {
  const s = cluster.spec;
  const timings: InstanceTimings = {
    smartShutdownTimeout: s.smartShutdownTimeout ?? DEFAULT_TIMINGS.smartShutdownTimeout,
    stopDelay: s.stopDelay ?? DEFAULT_TIMINGS.stopDelay,
    switchoverDelay: s.switchoverDelay ?? DEFAULT_TIMINGS.switchoverDelay,
    ...(s.postgresql?.promotionTimeout ? { promotionTimeout: s.postgresql.promotionTimeout } : {}),
  };
  return isDeepStrictEqual(timings, DEFAULT_TIMINGS) ? {} : { timings };
}
