// Pure builders: a Pooler (and the handout the operator decided for it) → the Kubernetes objects
// that run its PgBouncers. Names, labels, annotations and ports are CloudNativePG's, so selectors,
// PodMonitors and scripts written for its poolers keep working.
import { createHash } from 'node:crypto';
import type { Pooler } from '../../api/index.js';
import type { KubeObject, OwnerReference } from '../../api/meta.js';
import { ANNOTATIONS, LABELS, PGBOUNCER_PORT, POOLER_METRICS_PORT } from '../../api/names.js';
import { HANDOUT_SECRET_KEY, type PoolerHandout } from '../../pgbouncer/handout.js';
import { bootstrapContainer, managerCommand, managerVolume, managerVolumeMount } from './manager-volume.js';
import { POSTGRES_UID } from './specs.js';

/** The container CloudNativePG's pooler Pods run PgBouncer in; a spec.template may shape it. */
export const PGBOUNCER_CONTAINER = 'pgbouncer';
/** The Secret holding the handout, which the pooler Pods read (and watch) through the API. */
export const poolerConfigSecretName = (pooler: string): string => `${pooler}-config`;
/** The writable volume (the root filesystem is read-only) and, below it, the pooler manager's own 0700 run folder. */
const SCRATCH_MOUNT = '/controller/run';
const RUN_DIR = `${SCRATCH_MOUNT}/pgbouncer`;
const SCRATCH_VOLUME = 'scratch-data';

type Obj = Record<string, unknown>;
interface Named extends Obj {
  name: string;
}
interface Container extends Named {
  env?: Named[];
  ports?: Named[];
  volumeMounts?: Named[];
}
interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Obj & { initContainers?: Container[]; containers?: Container[]; volumes?: Named[] };
}
interface ServiceTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Obj & { ports?: Named[] };
}

const namespaceOf = (pooler: Pooler): string => pooler.metadata.namespace ?? 'default';

export function poolerOwnerReference(pooler: Pooler): OwnerReference {
  return { apiVersion: pooler.apiVersion, kind: pooler.kind, name: pooler.metadata.name, uid: pooler.metadata.uid ?? '', controller: true };
}

/** CloudNativePG's labels on every object of a pooler; the Deployment's Pods carry them too. */
export function poolerLabels(pooler: Pooler): Record<string, string> {
  const cluster = pooler.spec.cluster.name;
  return {
    [LABELS.cluster]: cluster,
    [LABELS.poolerName]: pooler.metadata.name,
    [LABELS.podRole]: 'pooler',
    [LABELS.appName]: 'postgresql',
    [LABELS.appInstance]: cluster,
    [LABELS.component]: 'pooler',
    [LABELS.managedBy]: 'cnpg-ts',
  };
}

function metadata(pooler: Pooler, name: string, extra: { labels?: Record<string, string>; annotations?: Record<string, string> } = {}): KubeObject['metadata'] {
  return {
    name,
    namespace: namespaceOf(pooler),
    labels: { ...extra.labels, ...poolerLabels(pooler) },
    ...(extra.annotations && Object.keys(extra.annotations).length > 0 ? { annotations: extra.annotations } : {}),
    ownerReferences: [poolerOwnerReference(pooler)],
  };
}

/** What pooler Pods run: PgBouncer's image, and the operator's, which their manager is copied from. */
export interface PoolerImages {
  operand: string;
  operator: string;
}

/**
 * A digest of what the Deployment and Service are made from: the spec and the images. A change of
 * it is what makes the platform rewrite them (the handout travels in its own Secret, so a new
 * poolMode changes no Pod template and restarts nothing); a new operator image rolls the pooler
 * Pods onto its manager, as CloudNativePG's upgrade does.
 */
export function poolerSpecHash(pooler: Pooler, images: PoolerImages): string {
  return createHash('sha256').update(JSON.stringify({ spec: pooler.spec, images })).digest('hex').slice(0, 16);
}

export const poolerServiceAccountName = (pooler: Pooler): string => pooler.spec.serviceAccountName ?? pooler.metadata.name;

/** `ours` wins over `theirs` for a name both have; theirs keep their order after ours. */
function byName<T extends Named>(ours: T[], theirs: T[] | undefined): T[] {
  const taken = new Set(ours.map((x) => x.name));
  return [...ours, ...(theirs ?? []).filter((x) => !taken.has(x.name))];
}

function pgbouncerContainer(pooler: Pooler, image: string, given: Container | undefined): Container {
  const httpGet = (path: string) => ({ httpGet: { path, port: 'metrics' }, periodSeconds: 5, timeoutSeconds: 3 });
  // Ports and the pooler's identity are the operator's; what else the user wrote is kept.
  const env: Named[] = [
    { name: 'NAMESPACE', value: namespaceOf(pooler) },
    { name: 'POOLER_NAME', value: pooler.metadata.name },
  ];
  // The pooler manager (src/pooler/args.ts): PgBouncer on every address of the Pod, the handout
  // from the config Secret, watched through the API.
  const args = [
    '--run-dir', RUN_DIR,
    '--port', String(PGBOUNCER_PORT),
    '--listen-addr', '*',
    '--http-port', String(POOLER_METRICS_PORT),
    '--http-addr', '0.0.0.0',
    '--handout-secret', poolerConfigSecretName(pooler.metadata.name),
    '--namespace', namespaceOf(pooler),
  ];
  const ports: Named[] = [
    { name: 'pgbouncer', containerPort: PGBOUNCER_PORT, protocol: 'TCP' },
    { name: 'metrics', containerPort: POOLER_METRICS_PORT, protocol: 'TCP' },
  ];
  return {
    ...given,
    name: PGBOUNCER_CONTAINER,
    image: given?.image ?? image,
    command: given?.command ?? managerCommand('pooler/main.js'),
    args: given?.args ?? args,
    env: byName(env, given?.env),
    ports: byName(ports, given?.ports),
    volumeMounts: byName([{ name: SCRATCH_VOLUME, mountPath: SCRATCH_MOUNT }, managerVolumeMount], given?.volumeMounts),
    readinessProbe: given?.readinessProbe ?? httpGet('/readyz'),
    livenessProbe: given?.livenessProbe ?? { ...httpGet('/healthz'), failureThreshold: 3 },
    securityContext: given?.securityContext ?? { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, privileged: false, runAsNonRoot: true },
  };
}

/** spec.template merged as CloudNativePG merges it: the user's containers, volumes and settings kept, the operator's labels, ports and identity forced. */
export function poolerPodTemplate(pooler: Pooler, images: PoolerImages): { metadata: Obj; spec: Obj } {
  const template = (pooler.spec.template ?? {}) as PodTemplate;
  const spec = template.spec ?? {};
  const containers = spec.containers ?? [];
  const given = containers.find((c) => c.name === PGBOUNCER_CONTAINER);
  const pgbouncer = pgbouncerContainer(pooler, images.operand, given);
  return {
    metadata: {
      labels: { ...template.metadata?.labels, ...poolerLabels(pooler) },
      annotations: { ...template.metadata?.annotations, [ANNOTATIONS.defaultContainer]: PGBOUNCER_CONTAINER },
    },
    spec: {
      // PgBouncer refuses to run as root; the operand image's user is the PostgreSQL one.
      securityContext: { runAsNonRoot: true, runAsUser: POSTGRES_UID, runAsGroup: POSTGRES_UID, fsGroup: POSTGRES_UID, seccompProfile: { type: 'RuntimeDefault' } },
      ...spec,
      initContainers: byName([bootstrapContainer(images.operator)], spec.initContainers),
      containers: given ? containers.map((c) => (c === given ? pgbouncer : c)) : [...containers, pgbouncer],
      volumes: byName([{ name: SCRATCH_VOLUME, emptyDir: {} }, managerVolume], spec.volumes),
      serviceAccountName: poolerServiceAccountName(pooler),
      // The pooler manager reads its handout through the API.
      automountServiceAccountToken: true,
    },
  };
}

export function poolerDeployment(pooler: Pooler, images: PoolerImages): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(pooler, pooler.metadata.name, { annotations: { [ANNOTATIONS.poolerSpecHash]: poolerSpecHash(pooler, images) } }),
    spec: {
      replicas: pooler.spec.instances,
      selector: { matchLabels: { [LABELS.poolerName]: pooler.metadata.name } },
      template: poolerPodTemplate(pooler, images),
      ...(pooler.spec.deploymentStrategy ? { strategy: pooler.spec.deploymentStrategy } : {}),
    },
  };
}

/** PgBouncer's port 5432 named pgbouncer, selecting the pooler's Pods; spec.serviceTemplate merged in. */
export function poolerService(pooler: Pooler, images: PoolerImages): KubeObject {
  const template = (pooler.spec.serviceTemplate ?? {}) as ServiceTemplate;
  const spec = template.spec ?? {};
  const port = { name: 'pgbouncer', port: PGBOUNCER_PORT, targetPort: 'pgbouncer', protocol: 'TCP' };
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(pooler, pooler.metadata.name, {
      labels: template.metadata?.labels,
      annotations: { ...template.metadata?.annotations, [ANNOTATIONS.poolerSpecHash]: poolerSpecHash(pooler, images) },
    }),
    spec: {
      type: 'ClusterIP',
      ...spec,
      // A port the user named pgbouncer is theirs (a nodePort, say); otherwise ours comes first.
      ports: spec.ports?.some((p) => p.name === port.name) ? spec.ports : [port, ...(spec.ports ?? [])],
      selector: { [LABELS.poolerName]: pooler.metadata.name },
    },
  };
}

/** None when the Pooler names an account of its own. */
export function poolerServiceAccount(pooler: Pooler): KubeObject | undefined {
  if (pooler.spec.serviceAccountName) return undefined;
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(pooler, pooler.metadata.name) };
}

/** What the pooler manager may read: its handout Secret and its Pooler, by name, nothing else. */
export function poolerRole(pooler: Pooler): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: metadata(pooler, pooler.metadata.name),
    rules: [
      { apiGroups: [''], resources: ['secrets'], resourceNames: [poolerConfigSecretName(pooler.metadata.name)], verbs: ['get', 'watch'] },
      { apiGroups: ['postgresql.cnpg.io'], resources: ['poolers'], resourceNames: [pooler.metadata.name], verbs: ['get', 'watch'] },
    ],
  } as KubeObject;
}

export function poolerRoleBinding(pooler: Pooler): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: metadata(pooler, pooler.metadata.name),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: pooler.metadata.name },
    subjects: [{ kind: 'ServiceAccount', name: poolerServiceAccountName(pooler), namespace: namespaceOf(pooler) }],
  } as KubeObject;
}

/** The handout, as the pooler manager's kube-Secret source reads it. */
export function poolerConfigSecret(pooler: Pooler, handout: PoolerHandout): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: metadata(pooler, poolerConfigSecretName(pooler.metadata.name)),
    type: 'Opaque',
    data: { [HANDOUT_SECRET_KEY]: Buffer.from(JSON.stringify(handout)).toString('base64') },
  };
}

/**
 * CloudNativePG's PodMonitor for spec.monitoring.enablePodMonitor: the pooler's Pods, port `metrics`,
 * with the relabelings given; none otherwise.
 */
export function poolerPodMonitor(pooler: Pooler, images: PoolerImages): KubeObject | undefined {
  const monitoring = pooler.spec.monitoring;
  if (!monitoring?.enablePodMonitor) return undefined;
  const endpoint = {
    port: 'metrics',
    ...(monitoring.podMonitorMetricRelabelings ? { metricRelabelings: monitoring.podMonitorMetricRelabelings } : {}),
    ...(monitoring.podMonitorRelabelings ? { relabelings: monitoring.podMonitorRelabelings } : {}),
  };
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata: metadata(pooler, pooler.metadata.name, { annotations: { [ANNOTATIONS.poolerSpecHash]: poolerSpecHash(pooler, images) } }),
    spec: {
      selector: { matchLabels: { [LABELS.poolerName]: pooler.metadata.name, [LABELS.podRole]: 'pooler' } },
      podMetricsEndpoints: [endpoint],
    },
  };
}

/** Everything a pooler runs on, in the order it is made: what a Pod needs exists before the Deployment asks for Pods. */
export function poolerObjects(pooler: Pooler, handout: PoolerHandout, images: PoolerImages): KubeObject[] {
  const account = poolerServiceAccount(pooler);
  return [
    poolerConfigSecret(pooler, handout),
    ...(account ? [account] : []),
    poolerRole(pooler),
    poolerRoleBinding(pooler),
    poolerService(pooler, images),
    poolerDeployment(pooler, images),
  ];
}
