// Pure: what a Pooler's reconcile does, from the Pooler, whether its Cluster exists, the handout it
// should run (or why there is none yet) and the PgBouncers the platform reports.
import type { Pooler, PoolerStatus as ApiPoolerStatus } from '../api/index.js';
import type { LocalEndpoint } from '../api/cluster-status.js';
import { handoutHash, type PoolerHandout } from '../pgbouncer/handout.js';
import type { ObservedPoolerInstance } from './platform.js';

/** A Secret the PgBouncers were configured from, and the version of it they got. */
export interface SecretVersion {
  name: string;
  version: string;
}

/** CloudNativePG's Pooler status.secrets: which Secrets, at which version, the PgBouncers use. */
export type PoolerSecretsStatus = NonNullable<ApiPoolerStatus['secrets']>;

/** The status the controller writes: the API's (api/pooler.ts), with the counts and phase always set. */
export type PoolerStatus = ApiPoolerStatus & Required<Pick<ApiPoolerStatus, 'instances' | 'readyInstances' | 'phase'>>;

export type PoolerAction =
  | { kind: 'apply'; handout: PoolerHandout }
  | { kind: 'recordEvent'; type: 'Normal' | 'Warning'; reason: string; message: string };

export interface PoolerPlanInput {
  pooler: Pooler;
  clusterExists: boolean;
  /** The handout to run, or why it cannot be made yet (a Secret still missing). */
  handout: { handout: PoolerHandout; secrets: PoolerSecretsStatus } | { waiting: string };
  observed: ObservedPoolerInstance[];
  address?: LocalEndpoint;
}

export interface PoolerPlan {
  actions: PoolerAction[];
  status: PoolerStatus;
  requeueAfterMs?: number;
}

/** While PgBouncers start or take a new handout, look again soon rather than at the resync. */
const SETTLING_REQUEUE_MS = 1000;
/** Waiting for something another controller makes (the Cluster, its Secrets). */
const WAITING_REQUEUE_MS = 2000;

export function planPooler({ pooler, clusterExists, handout, observed, address }: PoolerPlanInput): PoolerPlan {
  const wanted = pooler.spec.instances;
  const previous = (pooler as { status?: Partial<PoolerStatus> }).status;
  const counts = { instances: observed.length, readyInstances: observed.filter((i) => i.ready).length, ...(address ? { localEndpoint: address } : {}) };
  const cluster = pooler.spec.cluster.name;
  if (!clusterExists) {
    const reason = `waiting for Cluster ${cluster}: it does not exist in namespace ${pooler.metadata.namespace ?? 'default'}`;
    return { actions: waitingEvent(previous, reason), status: { ...counts, phase: 'inactive', phaseReason: reason }, requeueAfterMs: WAITING_REQUEUE_MS };
  }
  if ('waiting' in handout) {
    return { actions: waitingEvent(previous, handout.waiting), status: { ...counts, phase: 'inactive', phaseReason: handout.waiting }, requeueAfterMs: WAITING_REQUEUE_MS };
  }
  const hash = handoutHash(handout.handout);
  const current = observed.filter((i) => i.appliedHash === hash && i.ready && i.paused === handout.handout.paused);
  const settled = observed.length === wanted && current.length === wanted;
  const actions: PoolerAction[] = settled ? [] : [{ kind: 'apply', handout: handout.handout }];
  if (!settled && observed.length !== wanted) {
    actions.push({ kind: 'recordEvent', type: 'Normal', reason: 'Scaling', message: `PgBouncer instances: ${observed.length} running, ${wanted} wanted` });
  } else if (!settled && observed.some((i) => i.appliedHash !== undefined && i.appliedHash !== hash)) {
    actions.push({ kind: 'recordEvent', type: 'Normal', reason: 'Reconfiguring', message: `PgBouncer configuration ${hash} handed to ${wanted} instance(s)` });
  }
  const phase: PoolerStatus['phase'] = wanted === 0 ? 'inactive' : handout.handout.paused ? 'paused' : 'active';
  const said = observed.find((i) => i.error !== undefined);
  const phaseReason =
    wanted === 0
      ? 'scaled to zero instances'
      : settled
        ? undefined
        : `${current.length} of ${wanted} PgBouncer instance(s) ready with the current configuration${said ? `; ${said.name}: ${said.error}` : ''}`;
  return {
    actions,
    status: { ...counts, phase, ...(phaseReason ? { phaseReason } : {}), secrets: handout.secrets },
    requeueAfterMs: settled ? undefined : SETTLING_REQUEUE_MS,
  };
}

/** Said once per reason, not at every look. */
function waitingEvent(previous: Partial<PoolerStatus> | undefined, reason: string): PoolerAction[] {
  return previous?.phaseReason === reason ? [] : [{ kind: 'recordEvent', type: 'Normal', reason: 'Waiting', message: reason }];
}
