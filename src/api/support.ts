// What this product accepts but does not act on yet. One table, so that supporting a feature
// means deleting its line here. A path listed for a kind warns when present in a manifest;
// `spec` stands for the whole kind.
import { msg, type Finding } from './errors.js';
import { ANNOTATIONS } from './names.js';

export const NOT_ACTED_ON: Readonly<Record<string, readonly string[]>> = Object.freeze({
  Cluster: [
    'spec.certificates.replicationTLSSecret',
    // The exporter serves plain HTTP.
    'spec.monitoring.tls',
    // The probes' strategies: /readyz and /healthz answer as pg_isready does.
    'spec.probes.readiness.maximumLag',
    'spec.probes.readiness.type',
    'spec.probes.startup.maximumLag',
    'spec.probes.startup.type',
  ],
  // The instance manager archives and backs up itself: there is no plugin sidecar for these to shape.
  ObjectStore: [
    'spec.instanceSidecarConfiguration.additionalContainerArgs',
    'spec.instanceSidecarConfiguration.env',
    'spec.instanceSidecarConfiguration.logLevel',
    'spec.instanceSidecarConfiguration.resources',
  ],
  // Pooler Pods run the operand image, whose metrics port serves plain HTTP.
  Pooler: ['spec.monitoring.tls', 'spec.pgbouncer.image', 'spec.pgbouncer.imageCatalogRef'],
  ImageCatalog: ['spec.componentImages'],
  ClusterImageCatalog: ['spec.componentImages'],
});

/** Pod and volume settings: the Kubernetes platform applies them; local processes have no use for them. */
export const ACTED_ON_ONLY_ON_KUBERNETES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  Cluster: [
    'spec.affinity',
    // A VolumeSnapshot's class, labels and annotations; a local snapshot is a folder, with none of them.
    'spec.backup.volumeSnapshot.annotations',
    'spec.backup.volumeSnapshot.className',
    'spec.backup.volumeSnapshot.labels',
    'spec.backup.volumeSnapshot.tablespaceClassName',
    'spec.backup.volumeSnapshot.walClassName',
    'spec.enablePDB',
    // Locally a plain `value` reaches PostgreSQL's environment; references name Kubernetes objects.
    'spec.env.valueFrom',
    'spec.envFrom',
    'spec.ephemeralVolumeSource',
    'spec.ephemeralVolumesSizeLimit',
    'spec.imagePullPolicy',
    'spec.imagePullSecrets',
    // Kubelet probes; locally the daemon watches the instance managers itself.
    'spec.livenessProbeTimeout',
    // A PodMonitor is read by the Prometheus operator; locally Prometheus scrapes the metrics ports.
    'spec.monitoring.enablePodMonitor',
    'spec.monitoring.podMonitorMetricRelabelings',
    'spec.monitoring.podMonitorRelabelings',
    // Locally every instance runs on this one machine: there is no node to drain.
    'spec.nodeMaintenanceWindow',
    'spec.podSecurityContext',
    // Locally each cluster's instances run under an operating-system user of their own.
    'spec.postgresGID',
    'spec.postgresUID',
    'spec.priorityClassName',
    // The liveness probe's isolationCheck is the instance manager's own, on both platforms.
    'spec.probes.liveness.failureThreshold',
    'spec.probes.liveness.initialDelaySeconds',
    'spec.probes.liveness.periodSeconds',
    'spec.probes.liveness.successThreshold',
    'spec.probes.liveness.terminationGracePeriodSeconds',
    'spec.probes.liveness.timeoutSeconds',
    'spec.probes.readiness',
    'spec.probes.startup',
    'spec.projectedVolumeTemplate',
    'spec.resources',
    'spec.schedulerName',
    'spec.seccompProfile',
    'spec.securityContext',
    'spec.serviceAccountName',
    'spec.serviceAccountTemplate',
    'spec.startDelay',
    'spec.storage.pvcTemplate',
    'spec.storage.resizeInUseVolumes',
    'spec.storage.storageClass',
    'spec.topologySpreadConstraints',
  ],
  // Locally a pooler is processes on the loopback: no Pod, Deployment or Service to shape.
  Pooler: ['spec.deploymentStrategy', 'spec.monitoring', 'spec.serviceAccountName', 'spec.serviceTemplate', 'spec.template'],
});

/**
 * The `cnpg.io/` annotations the operator acts on, per kind; any other annotation of that group
 * (`cnpg.io/…`, `alpha.cnpg.io/…`) on these kinds is accepted and warned about.
 */
export const ACTED_ON_ANNOTATIONS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  Cluster: [ANNOTATIONS.destroyInstance, ANNOTATIONS.fencedInstances, ANNOTATIONS.hibernation, ANNOTATIONS.reloadedAt, ANNOTATIONS.restartInstance, ANNOTATIONS.targetPrimary],
});

const CNPG_ANNOTATION = /^(?:[a-z0-9-]+\.)?cnpg\.io\//;

export type Platform = 'local' | 'kubernetes';

/** One finding per listed path present in the manifest as written (before defaults). */
export function notActedOn(kind: string, input: unknown, platform: Platform = 'local'): Finding[] {
  const present = (paths: readonly string[] | undefined) => (paths ?? []).filter((path) => isPresent(input, path.split('.')));
  return [
    ...present(NOT_ACTED_ON[kind]).map((path) => ({ path, message: msg.notActedOnYet() })),
    ...(platform === 'local' ? present(ACTED_ON_ONLY_ON_KUBERNETES[kind]).map((path) => ({ path, message: msg.actedOnOnlyOnKubernetes() })) : []),
  ].sort((a, b) => a.path.localeCompare(b.path));
}

/** One finding per `cnpg.io/` annotation on a kind in ACTED_ON_ANNOTATIONS that the operator ignores. */
export function annotationsNotActedOn(kind: string, input: unknown): Finding[] {
  const actedOn = ACTED_ON_ANNOTATIONS[kind];
  const annotations = (input as { metadata?: { annotations?: unknown } } | null)?.metadata?.annotations;
  if (!actedOn || typeof annotations !== 'object' || annotations === null) return [];
  return Object.keys(annotations)
    // A removed annotation (null in a patch) asks for nothing.
    .filter((key) => CNPG_ANNOTATION.test(key) && !actedOn.includes(key) && (annotations as Record<string, unknown>)[key] !== null)
    .sort()
    .map((key) => ({ path: `metadata.annotations[${key}]`, message: msg.notActedOnYet() }));
}

// A segment that meets a list applies to every element, so `spec.images.extensions` matches
// any image entry with extensions.
export function isPresent(value: unknown, segments: readonly string[]): boolean {
  if (segments.length === 0) return value !== undefined && value !== null;
  if (Array.isArray(value)) return value.some((item) => isPresent(item, segments));
  if (typeof value !== 'object' || value === null) return false;
  const [head = '', ...rest] = segments;
  return isPresent((value as Record<string, unknown>)[head], rest);
}
