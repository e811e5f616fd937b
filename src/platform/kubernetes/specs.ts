// Pure builders: a Cluster (and an instance of it) → the Kubernetes objects that run it. Names,
// labels and ports are CloudNativePG's, so selectors and dashboards written for it keep working.
import { createHash } from 'node:crypto';
import type { Cluster } from '../../api/index.js';
import type { KubeObject, OwnerReference } from '../../api/meta.js';
import { ANNOTATIONS, LABELS, MANAGER_PORT, METRICS_PORT, POSTGRES_PORT } from '../../api/names.js';
import type { EndpointRole } from '../../operator/platform.js';
import { wantedServices } from '../../operator/services.js';
import { MANAGER_ALLOCATOR_ENV } from '../../instance/allocator-env.js';
import { instancePaths } from '../../instance/paths.js';
import { containerSecurityContext, extraVolumes, instanceProbes, podSecurityContext, scratchVolume, schedulingFields, userEnvironment } from './pod-settings.js';
import { withInheritedMetadata } from '../../api/inherited-metadata.js';
import { bootstrapContainer, managerCommand, managerVolume, managerVolumeMount } from './manager-volume.js';
import { pvcName, tablespaceLabel, type PvcRole } from '../../api/volumes.js';
import { WAL_MOUNT, storageOf, tablespaceVolumes } from './storage-specs.js';

export const POSTGRES_UID = 26;
export const PGDATA_MOUNT = '/var/lib/postgresql/data';
export { WAL_MOUNT } from './storage-specs.js';
export const SPEC_MOUNT = '/controller/spec';

export function ownerReference(cluster: Cluster): OwnerReference {
  return { apiVersion: cluster.apiVersion, kind: cluster.kind, name: cluster.metadata.name, uid: cluster.metadata.uid ?? '', controller: true };
}

/** The Secret an instance manager reads its spec and credentials from (mounted at SPEC_MOUNT). */
export const managerSecretName = (instance: string) => `${instance}-manager`;

export function managerSecret(cluster: Cluster, instance: string, files: Record<string, string>): KubeObject {
  return withInheritedMetadata(cluster, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: managerSecretName(instance),
      namespace: cluster.metadata.namespace,
      labels: { [LABELS.cluster]: cluster.metadata.name, [LABELS.instanceName]: instance },
      ownerReferences: [ownerReference(cluster)],
    },
    type: 'Opaque',
    data: Object.fromEntries(Object.entries(files).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  });
}

interface StorageSpec {
  size?: string;
  storageClass?: string;
  pvcTemplate?: Record<string, unknown>;
}

/** An instance's claims: data, WAL with walStorage, one per tablespace (`tablespace` names which). */
export function instancePvc(cluster: Cluster, instance: string, serial: number, role: PvcRole, tablespace?: string): KubeObject {
  const storage = (storageOf(cluster, role, tablespace) ?? {}) as StorageSpec;
  const template = (storage.pvcTemplate ?? {}) as Record<string, unknown>;
  const spec: Record<string, unknown> = { accessModes: ['ReadWriteOnce'], ...template };
  if (storage.storageClass) spec.storageClassName = storage.storageClass;
  if (storage.size) spec.resources = { requests: { storage: storage.size } };
  return withInheritedMetadata(cluster, {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: pvcName(instance, role, tablespace),
      namespace: cluster.metadata.namespace,
      labels: { [LABELS.cluster]: cluster.metadata.name, [LABELS.instanceName]: instance, [LABELS.pvcRole]: role, ...tablespaceLabel(tablespace) },
      annotations: { [ANNOTATIONS.serial]: String(serial) },
      ownerReferences: [ownerReference(cluster)],
    },
    spec,
  });
}

export interface PodInputs {
  instance: string;
  serial: number;
  image: string;
  /** The operator's own image, which the init container copies the manager from. */
  operatorImage: string;
  role: 'primary' | 'replica';
  configHash: string;
  credentialsHash: string;
}

export function instancePod(cluster: Cluster, p: PodInputs): KubeObject {
  const name = cluster.metadata.name;
  const hasWal = cluster.spec.walStorage !== undefined;
  const tablespaces = tablespaceVolumes(cluster, p.instance);
  const extra = extraVolumes(cluster);
  const userEnv = userEnvironment(cluster);
  const mounts = [
    { name: 'pgdata', mountPath: PGDATA_MOUNT },
    { name: 'spec', mountPath: SPEC_MOUNT, readOnly: true },
    { name: 'scratch', mountPath: '/controller/run' },
    managerVolumeMount,
    ...(hasWal ? [{ name: 'pg-wal', mountPath: WAL_MOUNT }] : []),
    ...tablespaces.mounts,
    ...extra.mounts,
  ];
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.instance,
      namespace: cluster.metadata.namespace,
      labels: {
        [LABELS.cluster]: name,
        [LABELS.instanceName]: p.instance,
        [LABELS.podRole]: 'instance',
        [LABELS.instanceRole]: p.role,
        [LABELS.legacyRole]: p.role,
        // Routed once the operator has seen it ready (KubeEndpoints.route).
        [LABELS.serving]: 'false',
      },
      annotations: {
        [ANNOTATIONS.serial]: String(p.serial),
        [ANNOTATIONS.configHash]: p.configHash,
        [ANNOTATIONS.credentialsHash]: p.credentialsHash,
        [ANNOTATIONS.defaultContainer]: 'postgres',
      },
      ownerReferences: [ownerReference(cluster)],
    },
    spec: {
      hostname: p.instance,
      subdomain: name,
      enableServiceLinks: false,
      serviceAccountName: instanceServiceAccountName(cluster),
      // The instance manager calls the API server for one thing: the primary lease (its Role allows
      // reading and updating that one Lease); its spec arrives in a Secret and over HTTP.
      automountServiceAccountToken: true,
      securityContext: podSecurityContext(cluster),
      terminationGracePeriodSeconds: cluster.spec.stopDelay ?? 1800,
      ...schedulingFields(cluster),
      initContainers: [bootstrapContainer(p.operatorImage, cluster.spec.resources)],
      containers: [
        {
          name: 'postgres',
          image: p.image,
          ...(cluster.spec.imagePullPolicy ? { imagePullPolicy: cluster.spec.imagePullPolicy } : {}),
          command: [...managerCommand('instance/main.js'), '--pod'],
          env: [
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            { name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            { name: 'CLUSTER_NAME', value: name },
            { name: 'CNPG_INSTANCE_ROOT', value: PGDATA_MOUNT },
            { name: 'CNPG_SPEC_DIR', value: SPEC_MOUNT },
            ...Object.entries(MANAGER_ALLOCATOR_ENV).map(([name, value]) => ({ name, value })),
            // The manager's socket, for psql run by `kubectl exec` (as `kubectl cnpg psql` does).
            { name: 'PGHOST', value: instancePaths(PGDATA_MOUNT, POSTGRES_PORT).socketDir },
            ...userEnv.env,
          ],
          ...(userEnv.envFrom ? { envFrom: userEnv.envFrom } : {}),
          ports: [
            { name: 'postgresql', containerPort: POSTGRES_PORT, protocol: 'TCP' },
            { name: 'status', containerPort: MANAGER_PORT, protocol: 'TCP' },
            { name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' },
          ],
          ...instanceProbes(cluster),
          volumeMounts: mounts,
          ...(cluster.spec.resources ? { resources: cluster.spec.resources } : {}),
          securityContext: containerSecurityContext(cluster),
        },
      ],
      volumes: [
        { name: 'pgdata', persistentVolumeClaim: { claimName: p.instance } },
        { name: 'spec', secret: { secretName: managerSecretName(p.instance), defaultMode: 0o400 } },
        scratchVolume(cluster, 'scratch'),
        managerVolume,
        ...(hasWal ? [{ name: 'pg-wal', persistentVolumeClaim: { claimName: pvcName(p.instance, 'PG_WAL') } }] : []),
        ...tablespaces.volumes,
        ...extra.volumes,
      ],
    },
  };
  pod.metadata.annotations![ANNOTATIONS.podSpecHash] = podSpecHash(pod.spec as Record<string, unknown>);
  return withInheritedMetadata(cluster, pod);
}

/**
 * What an instance Pod runs, as a digest: a Pod whose recorded digest differs from the one its
 * Cluster gives now is rolled. The init containers are left out: they deliver the operator's own
 * manager, so a new operator image reaches each instance when its Pod is next made, without
 * restarting PostgreSQL everywhere at once.
 */
export function podSpecHash(spec: Record<string, unknown>): string {
  const { initContainers: _initContainers, ...rest } = spec;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}

export const instanceServiceAccountName = (cluster: Cluster): string => cluster.spec.serviceAccountName ?? cluster.metadata.name;

/**
 * The instance Pods' identity, named after the Cluster as in CloudNativePG and carrying
 * serviceAccountTemplate's labels and annotations (cloud IAM bindings for the object store live
 * there). Its one Role is the primary lease's (primary-lease-objects.ts). None when the user names
 * an account of their own.
 */
export function instanceServiceAccount(cluster: Cluster): KubeObject | undefined {
  if (cluster.spec.serviceAccountName) return undefined;
  const template = ((cluster.spec.serviceAccountTemplate as { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } } | undefined)?.metadata ?? {});
  return withInheritedMetadata(cluster, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: {
      name: cluster.metadata.name,
      namespace: cluster.metadata.namespace,
      labels: { ...template.labels, [LABELS.cluster]: cluster.metadata.name },
      ...(template.annotations ? { annotations: template.annotations } : {}),
      ownerReferences: [ownerReference(cluster)],
    },
    automountServiceAccountToken: false,
  } as KubeObject);
}

/**
 * The Services operator/services.ts decides on: X-rw, X-ro and X-r with CloudNativePG's selectors
 * (the role label for -rw and -ro, every instance for -r), and each additional one shaped by its
 * template with its selectorType's selector, labelled cnpg.io/isManaged. Every selector also
 * requires the serving label, which the operator clears on an instance its plan routes nowhere
 * (the old primary during a failover, a fenced or not-ready one).
 */
export function clusterServices(cluster: Cluster): KubeObject[] {
  const name = cluster.metadata.name;
  const selectors: Record<EndpointRole, Record<string, string>> = {
    rw: { [LABELS.cluster]: name, [LABELS.instanceRole]: 'primary', [LABELS.serving]: 'true' },
    ro: { [LABELS.cluster]: name, [LABELS.instanceRole]: 'replica', [LABELS.serving]: 'true' },
    r: { [LABELS.cluster]: name, [LABELS.podRole]: 'instance', [LABELS.serving]: 'true' },
  };
  const ports = [{ name: 'postgres', port: POSTGRES_PORT, targetPort: POSTGRES_PORT, protocol: 'TCP' }];
  return wantedServices(cluster).map((wanted) => {
    const template = wanted.additional?.template;
    const metadata = {
      name: wanted.name,
      namespace: cluster.metadata.namespace,
      labels: { ...(template?.metadata.labels ?? {}), [LABELS.cluster]: name, ...(template ? { [LABELS.isManaged]: 'true' } : {}) },
      ...(template ? { annotations: { ...(template.metadata.annotations ?? {}), [ANNOTATIONS.updateStrategy]: wanted.additional?.updateStrategy ?? 'patch' } } : {}),
      ownerReferences: [ownerReference(cluster)],
    };
    const spec = { type: 'ClusterIP', ports, ...(template?.spec ?? {}), selector: selectors[wanted.selectorType] };
    return withInheritedMetadata(cluster, { apiVersion: 'v1', kind: 'Service', metadata, spec });
  });
}

/** Every PodDisruptionBudget name a Cluster may have, so that those not wanted now are removed. */
export function podDisruptionBudgetNames(cluster: Cluster): string[] {
  return [`${cluster.metadata.name}-primary`, cluster.metadata.name];
}

/**
 * At most one instance down at a time for voluntary disruptions; the primary is never evicted.
 * During a node maintenance window that reuses volumes, as CloudNativePG: no budget for the
 * standbys (a drain waits for nothing), nor for a lone primary (its node could not drain at all).
 */
export function podDisruptionBudgets(cluster: Cluster): KubeObject[] {
  if (cluster.spec.enablePDB === false) return [];
  const window = cluster.spec.nodeMaintenanceWindow;
  const relaxed = window?.inProgress === true && (window.reusePVC ?? true);
  const name = cluster.metadata.name;
  const pdb = (pdbName: string, selector: Record<string, string>, minAvailable: number): KubeObject => withInheritedMetadata(cluster, {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: pdbName, namespace: cluster.metadata.namespace, labels: { [LABELS.cluster]: name }, ownerReferences: [ownerReference(cluster)] },
    spec: { minAvailable, selector: { matchLabels: selector } },
  });
  const replicas = (cluster.spec.instances ?? 1) - 1;
  return [
    ...(relaxed && replicas === 0 ? [] : [pdb(`${name}-primary`, { [LABELS.cluster]: name, [LABELS.instanceRole]: 'primary' }, 1)]),
    ...(replicas > 1 && !relaxed ? [pdb(name, { [LABELS.cluster]: name, [LABELS.instanceRole]: 'replica' }, replicas - 1)] : []),
  ];
}

/**
 * CloudNativePG's PodMonitor for spec.monitoring.enablePodMonitor: named after the Cluster, its
 * instance Pods' port `metrics`, with the relabelings of the spec.
 */
export function clusterPodMonitor(cluster: Cluster): KubeObject {
  const monitoring = cluster.spec.monitoring;
  const name = cluster.metadata.name;
  return withInheritedMetadata(cluster, {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata: { name, namespace: cluster.metadata.namespace, labels: { [LABELS.cluster]: name }, ownerReferences: [ownerReference(cluster)] },
    spec: {
      selector: { matchLabels: { [LABELS.cluster]: name, [LABELS.podRole]: 'instance' } },
      podMetricsEndpoints: [
        {
          port: 'metrics',
          ...(monitoring?.podMonitorMetricRelabelings ? { metricRelabelings: monitoring.podMonitorMetricRelabelings } : {}),
          ...(monitoring?.podMonitorRelabelings ? { relabelings: monitoring.podMonitorRelabelings } : {}),
        },
      ],
    },
  });
}
