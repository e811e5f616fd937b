// Pure: the Pod-level settings of a Cluster (probes, security, placement, environment, scratch
// volumes, inherited metadata) as CloudNativePG renders them into an instance Pod (pkg/specs/pods.go,
// containers.go, volumes.go), so a manifest tuned for it schedules and behaves the same here.
import type { Cluster } from '../../api/index.js';
import { LABELS, MANAGER_PORT } from '../../api/names.js';
import { ROUTES } from '../../instance/protocol.js';
import { extensionVolumes } from './extension-volumes.js';

type Json = Record<string, unknown>;

const PROBE_PERIOD_SECONDS = 10;
const PROBE_TIMEOUT_SECONDS = 5;
const DEFAULT_START_DELAY = 3600;
export const DEFAULT_POSTGRES_ID = 26;
/** Where spec.projectedVolumeTemplate is mounted, as in CloudNativePG. */
export const PROJECTED_MOUNT = '/projected';

/** CloudNativePG's failure threshold for a delay: ceil(delay / period), at least 1. */
export function failureThreshold(delaySeconds: number, periodSeconds: number): number {
  return delaySeconds <= periodSeconds ? 1 : Math.ceil(delaySeconds / periodSeconds);
}

/** The user's probe fields that are set (non-zero) replace the defaults, as CloudNativePG's ApplyInto does. */
function applyProbe(probe: Json, user: unknown): void {
  if (typeof user !== 'object' || user === null) return;
  const u = user as Json;
  for (const key of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const) {
    if (typeof u[key] === 'number' && u[key] !== 0) probe[key] = u[key];
  }
  if (typeof u.terminationGracePeriodSeconds === 'number') probe.terminationGracePeriodSeconds = u.terminationGracePeriodSeconds;
}

/**
 * Startup, liveness and readiness probes on the manager's status port: period 10 s and timeout 5 s,
 * startup allowed startDelay to succeed, liveness livenessProbeTimeout to fail (when set), and the
 * user's spec.probes over them. The startup probe asks /healthz: the manager answers it as soon as
 * it runs, PostgreSQL accepting connections or not (CloudNativePG's pg_isready "alive" strategy).
 */
export function instanceProbes(cluster: Cluster): { startupProbe: Json; livenessProbe: Json; readinessProbe: Json } {
  const probe = (path: string): Json => ({ httpGet: { path, port: MANAGER_PORT }, periodSeconds: PROBE_PERIOD_SECONDS, timeoutSeconds: PROBE_TIMEOUT_SECONDS });
  const startupProbe = probe(ROUTES.healthz.path);
  const livenessProbe = probe(ROUTES.healthz.path);
  const readinessProbe = probe(ROUTES.readyz.path);
  const user = (cluster.spec.probes ?? {}) as { startup?: unknown; liveness?: unknown; readiness?: unknown };
  applyProbe(startupProbe, user.startup);
  applyProbe(livenessProbe, user.liveness);
  applyProbe(readinessProbe, user.readiness);
  startupProbe.failureThreshold ??= failureThreshold(cluster.spec.startDelay ?? DEFAULT_START_DELAY, startupProbe.periodSeconds as number);
  const livenessTimeout = cluster.spec.livenessProbeTimeout;
  if (livenessTimeout !== undefined) livenessProbe.failureThreshold ??= failureThreshold(livenessTimeout, livenessProbe.periodSeconds as number);
  return { startupProbe, livenessProbe, readinessProbe };
}

export function seccompProfile(cluster: Cluster): Json {
  return (cluster.spec.seccompProfile as Json | undefined) ?? { type: 'RuntimeDefault' };
}

/** postgresUID/GID and seccompProfile, under whatever spec.podSecurityContext sets itself. */
export function podSecurityContext(cluster: Cluster): Json {
  const uid = cluster.spec.postgresUID ?? DEFAULT_POSTGRES_ID;
  const gid = cluster.spec.postgresGID ?? DEFAULT_POSTGRES_ID;
  const user = cluster.spec.podSecurityContext as Json | undefined;
  if (!user) return { runAsUser: uid, runAsGroup: gid, runAsNonRoot: true, fsGroup: gid, seccompProfile: seccompProfile(cluster) };
  return { ...user, runAsUser: user.runAsUser ?? uid, runAsGroup: user.runAsGroup ?? gid, seccompProfile: user.seccompProfile ?? seccompProfile(cluster) };
}

/** The restricted container defaults; each field spec.securityContext sets wins. */
export function containerSecurityContext(cluster: Cluster): Json {
  const defaults: Json = {
    seccompProfile: seccompProfile(cluster),
    capabilities: { drop: ['ALL'] },
    privileged: false,
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
  };
  const user = (cluster.spec.securityContext as Json | undefined) ?? {};
  return { ...defaults, ...Object.fromEntries(Object.entries(user).filter(([, v]) => v !== undefined && v !== null)) };
}

/**
 * The Pod affinity: the anti-affinity the operator generates between a Cluster's instances
 * (enablePodAntiAffinity, podAntiAffinityType, topologyKey), plus the user's node affinity, pod
 * affinity and extra anti-affinity terms. Undefined when there is nothing to say.
 */
export function instanceAffinity(cluster: Cluster): Json | undefined {
  const config = (cluster.spec.affinity ?? {}) as NonNullable<Cluster['spec']['affinity']> | Record<string, never>;
  const c = config as { enablePodAntiAffinity?: boolean; podAntiAffinityType?: string; topologyKey?: string; nodeAffinity?: Json; additionalPodAffinity?: Json; additionalPodAntiAffinity?: Json };
  const antiAffinity: { requiredDuringSchedulingIgnoredDuringExecution?: unknown[]; preferredDuringSchedulingIgnoredDuringExecution?: unknown[] } = {};
  if (c.enablePodAntiAffinity !== false) {
    const term = {
      labelSelector: {
        matchExpressions: [
          { key: LABELS.cluster, operator: 'In', values: [cluster.metadata.name] },
          { key: LABELS.podRole, operator: 'In', values: ['instance'] },
        ],
      },
      topologyKey: c.topologyKey || 'kubernetes.io/hostname',
    };
    if (c.podAntiAffinityType === 'required') antiAffinity.requiredDuringSchedulingIgnoredDuringExecution = [term];
    else antiAffinity.preferredDuringSchedulingIgnoredDuringExecution = [{ weight: 100, podAffinityTerm: term }];
  }
  const extra = c.additionalPodAntiAffinity as typeof antiAffinity | undefined;
  for (const key of ['requiredDuringSchedulingIgnoredDuringExecution', 'preferredDuringSchedulingIgnoredDuringExecution'] as const) {
    if (extra?.[key]?.length) antiAffinity[key] = [...(antiAffinity[key] ?? []), ...extra[key]];
  }
  const affinity: Json = {
    ...(c.nodeAffinity ? { nodeAffinity: c.nodeAffinity } : {}),
    ...(c.additionalPodAffinity ? { podAffinity: c.additionalPodAffinity } : {}),
    ...(Object.keys(antiAffinity).length > 0 ? { podAntiAffinity: antiAffinity } : {}),
  };
  return Object.keys(affinity).length > 0 ? affinity : undefined;
}

/** Where and how the Pod is scheduled and pulled: the fields a Pod takes from the Cluster as they are. */
export function schedulingFields(cluster: Cluster): Json {
  const s = cluster.spec;
  const affinity = instanceAffinity(cluster);
  const fields: Json = {
    ...(affinity ? { affinity } : {}),
    ...(s.affinity?.nodeSelector ? { nodeSelector: s.affinity.nodeSelector } : {}),
    ...(s.affinity?.tolerations?.length ? { tolerations: s.affinity.tolerations } : {}),
    ...(s.topologySpreadConstraints?.length ? { topologySpreadConstraints: s.topologySpreadConstraints } : {}),
    ...(s.priorityClassName ? { priorityClassName: s.priorityClassName } : {}),
    ...(s.schedulerName ? { schedulerName: s.schedulerName } : {}),
    ...(s.imagePullSecrets?.length ? { imagePullSecrets: s.imagePullSecrets.map((r) => ({ name: r.name })) } : {}),
  };
  return fields;
}

/** spec.env, placed after the operator's own variables (admission rejects a user's of the same name), and spec.envFrom. */
export function userEnvironment(cluster: Cluster): { env: Json[]; envFrom?: Json[] } {
  return { env: cluster.spec.env ?? [], ...(cluster.spec.envFrom?.length ? { envFrom: cluster.spec.envFrom } : {}) };
}

/**
 * The scratch volume (the manager's run and temporary files): spec.ephemeralVolumeSource when
 * given, else an emptyDir limited to ephemeralVolumesSizeLimit.temporaryData; `shm` is a memory
 * emptyDir for /dev/shm limited to ephemeralVolumesSizeLimit.shm; `projected` mounts
 * spec.projectedVolumeTemplate at /projected.
 */
export function scratchVolume(cluster: Cluster, name: string): Json {
  const source = cluster.spec.ephemeralVolumeSource;
  if (source) return { name, ephemeral: source };
  const limit = cluster.spec.ephemeralVolumesSizeLimit?.temporaryData;
  return { name, emptyDir: limit ? { sizeLimit: limit } : {} };
}

export function extraVolumes(cluster: Cluster): { volumes: Json[]; mounts: Json[] } {
  const shmLimit = cluster.spec.ephemeralVolumesSizeLimit?.shm;
  const volumes: Json[] = [{ name: 'shm', emptyDir: { medium: 'Memory', ...(shmLimit ? { sizeLimit: shmLimit } : {}) } }];
  const mounts: Json[] = [{ name: 'shm', mountPath: '/dev/shm' }];
  const projected = cluster.spec.projectedVolumeTemplate as Json | undefined;
  if (projected && Array.isArray(projected.sources) && projected.sources.length > 0) {
    volumes.push({ name: 'projected', projected });
    mounts.push({ name: 'projected', mountPath: PROJECTED_MOUNT });
  }
  const extensions = extensionVolumes(cluster);
  return { volumes: [...volumes, ...extensions.volumes], mounts: [...mounts, ...extensions.mounts] };
}
