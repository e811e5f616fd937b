// Pods and Services are not stored locally: they are views of instances and endpoints, shaped
// like Kubernetes objects so that kubectl-style commands and selectors work on them.
import type { ClusterStatus, LocalEndpoint } from '../../api/cluster-status.js';
import type { KubeObject } from '../../api/meta.js';
import { instancePaths } from '../../instance/paths.js';
import type { ObservedInstance } from '../../operator/types.js';
import type { Cluster } from '../../api/index.js';
import { ANNOTATIONS, LABELS, POSTGRES_PORT } from '../../api/names.js';
import { wantedServices } from '../../operator/services.js';
import type { InstanceRecord } from './instances.js';
import { storageConfig } from '../../operator/storage-config.js';
import { pvcName, tablespaceLabel } from '../../api/volumes.js';
import { localStorage } from './storage-places.js';

export function instancePod(cluster: KubeObject, rec: InstanceRecord, dir: string, observed: ObservedInstance): KubeObject {
  const status = (cluster.status ?? {}) as ClusterStatus;
  const role = status.currentPrimary === rec.name ? 'primary' : 'replica';
  const ready = Boolean(observed.running && observed.status?.ready);
  const phase = !observed.running ? 'Failed' : observed.status?.postgresRunning ? 'Running' : 'Pending';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: rec.name,
      namespace: rec.namespace,
      uid: `${cluster.metadata.uid}-${rec.serial}`,
      creationTimestamp: rec.createdAt,
      labels: {
        [LABELS.cluster]: rec.cluster,
        [LABELS.instanceName]: rec.name,
        [LABELS.podRole]: 'instance',
        [LABELS.instanceRole]: role,
        [LABELS.legacyRole]: role,
      },
      annotations: { [ANNOTATIONS.serial]: String(rec.serial) },
    },
    spec: { nodeName: 'localhost', hostname: rec.name, containers: [{ name: 'postgres' }] },
    status: {
      phase,
      podIP: '127.0.0.1',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: [
        {
          name: 'postgres',
          ready,
          restartCount: 0,
          started: observed.running,
          state: observed.running ? { running: { startedAt: rec.createdAt } } : { terminated: { reason: 'Error', exitCode: 1 } },
        },
      ],
      local: {
        pid: observed.status?.postmasterPid,
        managerPid: observed.running ? rec.managerPid : undefined,
        root: dir,
        pgdata: instancePaths(dir, rec.pgPort).pgdata,
        port: rec.pgPort,
        statusPort: rec.statusPort,
        metricsPort: rec.metricsPort,
        socketDir: instancePaths(dir, rec.pgPort).socketDir,
      },
    },
  };
}

/**
 * The Cluster's services as operator/services.ts decides them, each at its local endpoint: the
 * defaults at status.localEndpoints, the additional ones at `additional` (LocalEndpoints keeps them).
 */
export function clusterServices(cluster: KubeObject, additional: Record<string, LocalEndpoint> = {}): KubeObject[] {
  const status = (cluster.status ?? {}) as ClusterStatus;
  const endpoints = status.localEndpoints;
  if (!endpoints) return [];
  const selectors = {
    rw: { [LABELS.cluster]: cluster.metadata.name, [LABELS.instanceRole]: 'primary' },
    ro: { [LABELS.cluster]: cluster.metadata.name, [LABELS.instanceRole]: 'replica' },
    r: { [LABELS.cluster]: cluster.metadata.name, [LABELS.podRole]: 'instance' },
  };
  return wantedServices(cluster as Cluster).flatMap((service) => {
    const at = service.additional ? additional[service.name] : endpoints[service.selectorType];
    if (!at) return [];
    const template = service.additional?.template;
    return [{
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: service.name,
        namespace: cluster.metadata.namespace,
        creationTimestamp: cluster.metadata.creationTimestamp,
        labels: { ...(template?.metadata.labels ?? {}), [LABELS.cluster]: cluster.metadata.name, [LABELS.managedBy]: 'cnpg-ts', ...(template ? { [LABELS.isManaged]: 'true' } : {}) },
        ...(template?.metadata.annotations ? { annotations: template.metadata.annotations } : {}),
      },
      spec: {
        type: 'ClusterIP',
        clusterIP: at.host,
        selector: selectors[service.selectorType],
        ports: [{ name: 'postgres', protocol: 'TCP', port: at.port, targetPort: POSTGRES_PORT }],
      },
      status: { loadBalancer: {} },
    }];
  });
}

/**
 * A Pooler's endpoint as the Service CloudNativePG names after the pooler: port `pgbouncer`,
 * selecting the pooler's instances. Locally every PgBouncer of the pooler listens on its port.
 */
export function poolerService(pooler: KubeObject): KubeObject[] {
  const endpoint = (pooler.status as { localEndpoint?: LocalEndpoint } | undefined)?.localEndpoint;
  if (!endpoint) return [];
  const cluster = (pooler.spec as { cluster?: { name?: string } } | undefined)?.cluster?.name ?? '';
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: pooler.metadata.name,
        namespace: pooler.metadata.namespace,
        creationTimestamp: pooler.metadata.creationTimestamp,
        labels: { [LABELS.cluster]: cluster, [LABELS.poolerName]: pooler.metadata.name, [LABELS.managedBy]: 'cnpg-ts' },
      },
      spec: {
        type: 'ClusterIP',
        clusterIP: endpoint.host,
        selector: { [LABELS.poolerName]: pooler.metadata.name },
        ports: [{ name: 'pgbouncer', protocol: 'TCP', port: endpoint.port, targetPort: 'pgbouncer' }],
      },
      status: { loadBalancer: {} },
    },
  ];
}

/**
 * An instance's folders as the PersistentVolumeClaims CloudNativePG gives it: its data directory
 * (same name, PG_DATA), with walStorage its WAL folder (`-wal`, PG_WAL), and one per tablespace
 * (`-tbs-<name>`, PG_TABLESPACE).
 */
export function instanceVolumes(cluster: Cluster, rec: InstanceRecord, dir: string): KubeObject[] {
  const layout = localStorage(storageConfig(cluster, '').storage, dir);
  const volume = (role: string, name: string, path: string, size: string | undefined, extra: Record<string, string> = {}): KubeObject => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name,
      namespace: rec.namespace,
      uid: `${cluster.metadata.uid}-${rec.serial}-${role === 'PG_DATA' ? 'pgdata' : name.slice(rec.name.length + 1)}`,
      creationTimestamp: rec.createdAt,
      labels: { [LABELS.cluster]: rec.cluster, [LABELS.instanceName]: rec.name, [LABELS.pvcRole]: role, ...extra },
      annotations: { [ANNOTATIONS.serial]: String(rec.serial) },
    },
    // A local directory has no quota: the requested size is the only capacity there is to show.
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: size ? { storage: size } : {} }, volumeName: path, volumeMode: 'Filesystem' },
    status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], ...(size ? { capacity: { storage: size } } : {}), local: { path } },
  });
  return [
    volume('PG_DATA', rec.name, instancePaths(dir, rec.pgPort).pgdata, cluster.spec.storage?.size),
    ...(layout?.walDirectory ? [volume('PG_WAL', pvcName(rec.name, 'PG_WAL'), layout.walDirectory, cluster.spec.walStorage?.size)] : []),
    ...(layout?.tablespaces ?? []).map((t) =>
      volume('PG_TABLESPACE', pvcName(rec.name, 'PG_TABLESPACE', t.name), t.directory, cluster.spec.tablespaces?.find((x) => x.name === t.name)?.storage.size, tablespaceLabel(t.name)),
    ),
  ];
}

export const OPERATOR_NAMESPACE = 'cnpg-system';
export const OPERATOR_DEPLOYMENT = 'cnpg-controller-manager';

/** The running daemon as the operator Deployment that `kubectl -n cnpg-system rollout status` waits for. */
export function operatorDeployment(startedAt: Date, pid: number): KubeObject {
  const labels = { [LABELS.appName]: 'cloudnative-pg' };
  const since = startedAt.toISOString();
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: OPERATOR_DEPLOYMENT, namespace: OPERATOR_NAMESPACE, generation: 1, creationTimestamp: since, labels },
    spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'manager', command: ['cnpg', 'operator'] }] } } },
    status: {
      observedGeneration: 1,
      replicas: 1,
      updatedReplicas: 1,
      readyReplicas: 1,
      availableReplicas: 1,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: `the local operator (pid ${pid}) is answering`, lastTransitionTime: since },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: 'the local operator is running', lastTransitionTime: since },
      ],
      local: { pid },
    },
  };
}
