// The columns `get` prints per kind: kubectl's built-in printers for core kinds, and the
// additionalPrinterColumns of the CloudNativePG CRDs (missing values print as empty cells).

import type { KubeObject } from '../../api/meta.js';
import { LABELS } from '../../api/names.js';
import { formatAge, parseTimestamp } from './age.js';
import { compareBytes, isPlainObject } from './go-values.js';

export interface ColumnSet {
  headers: string[];
  /** Cells after NAME, in header order (headers[0] is NAME); every cell when `nameless`. */
  cells(obj: KubeObject, now: Date): string[];
  /** kubectl prints Events without a NAME column. */
  nameless?: true;
}

/** The value at a dotted path of an object, or undefined. */
export function pick(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const part of path.split('.')) {
    if (Array.isArray(cur) && /^\d+$/.test(part)) cur = cur[Number(part)];
    else if (isPlainObject(cur)) cur = cur[part];
    else return undefined;
  }
  return cur;
}

/** A CRD column cell: scalars as text, missing as empty. */
function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function age(obj: KubeObject, now: Date): string {
  return formatAge(obj.metadata.creationTimestamp, now);
}

const cluster: ColumnSet = {
  headers: ['NAME', 'AGE', 'INSTANCES', 'READY', 'STATUS', 'PRIMARY'],
  cells: (o, now) => [
    age(o, now),
    cell(pick(o, 'status.instances') ?? pick(o, 'spec.instances')),
    cell(pick(o, 'status.readyInstances')),
    cell(pick(o, 'status.phase')),
    cell(pick(o, 'status.currentPrimary')),
  ],
};

function podReadyAndStatus(o: KubeObject, now: Date): { ready: string; status: string; restarts: string } {
  const statuses = list(pick(o, 'status.containerStatuses'));
  const containers = list(pick(o, 'spec.containers'));
  let status = cell(pick(o, 'status.reason')) || cell(pick(o, 'status.phase'));
  let restarts = 0;
  let lastRestart: number | undefined;
  let ready = 0;
  let running = false;
  for (let i = statuses.length - 1; i >= 0; i--) {
    const cs = statuses[i];
    restarts += Number(pick(cs, 'restartCount') ?? 0) || 0;
    const finished = parseTimestamp(cell(pick(cs, 'lastState.terminated.finishedAt')));
    if (finished !== undefined && (lastRestart === undefined || finished > lastRestart)) lastRestart = finished;
    const waiting = cell(pick(cs, 'state.waiting.reason'));
    const terminated = pick(cs, 'state.terminated');
    if (waiting !== '') status = waiting;
    else if (isPlainObject(terminated)) {
      const reason = cell(terminated.reason);
      const signal = Number(terminated.signal ?? 0);
      status = reason !== '' ? reason : signal !== 0 ? `Signal:${signal}` : `ExitCode:${cell(terminated.exitCode) || '0'}`;
    } else if (pick(cs, 'ready') === true && isPlainObject(pick(cs, 'state.running'))) {
      running = true;
      ready++;
    }
  }
  const podReady = list(pick(o, 'status.conditions')).some((c) => pick(c, 'type') === 'Ready' && pick(c, 'status') === 'True');
  if (status === 'Completed' && running) status = podReady ? 'Running' : 'NotReady';
  if (o.metadata.deletionTimestamp) status = 'Terminating';
  let total = containers.length;
  if (statuses.length === 0) {
    // Local instances have no container statuses: the pod's Ready condition stands for its one container.
    total = Math.max(total, 1);
    ready = podReady ? total : 0;
  } else {
    total = Math.max(total, statuses.length);
  }
  const restartText =
    restarts !== 0 && lastRestart !== undefined ? `${restarts} (${formatAge(new Date(lastRestart), now)} ago)` : String(restarts);
  return { ready: `${ready}/${total}`, status, restarts: restartText };
}

const pod: ColumnSet = {
  headers: ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
  cells: (o, now) => {
    const p = podReadyAndStatus(o, now);
    return [p.ready, p.status, p.restarts, age(o, now)];
  },
};

/** A Pod on Kubernetes declares its exporter as the container port named `metrics`. */
function metricsContainerPort(o: KubeObject): string {
  for (const c of list(pick(o, 'spec.containers'))) {
    const port = list(pick(c, 'ports')).find((p) => pick(p, 'name') === 'metrics');
    if (port) return cell(pick(port, 'containerPort'));
  }
  return '';
}

const podWide: ColumnSet = {
  headers: [...pod.headers, 'IP', 'NODE', 'ROLE', 'PORT', 'METRICS'],
  cells: (o, now) => [
    ...pod.cells(o, now),
    cell(pick(o, 'status.podIP')) || '<none>',
    cell(pick(o, 'spec.nodeName')) || '<none>',
    o.metadata.labels?.[LABELS.instanceRole] ?? o.metadata.labels?.[LABELS.legacyRole] ?? '<none>',
    cell(pick(o, 'status.local.port')) || '<none>',
    cell(pick(o, 'status.local.metricsPort')) || metricsContainerPort(o) || '<none>',
  ],
};

function servicePorts(o: KubeObject): string {
  const ports = list(pick(o, 'spec.ports')).map((p) => {
    const protocol = cell(pick(p, 'protocol')) || 'TCP';
    const nodePort = cell(pick(p, 'nodePort'));
    return nodePort !== '' ? `${cell(pick(p, 'port'))}:${nodePort}/${protocol}` : `${cell(pick(p, 'port'))}/${protocol}`;
  });
  return ports.length > 0 ? ports.join(',') : '<none>';
}

function externalIp(o: KubeObject): string {
  const type = cell(pick(o, 'spec.type')) || 'ClusterIP';
  const external = list(pick(o, 'spec.externalIPs')).map(cell);
  if (type === 'ExternalName') return cell(pick(o, 'spec.externalName')) || '<none>';
  if (type === 'LoadBalancer') {
    const ingress = list(pick(o, 'status.loadBalancer.ingress')).map((i) => cell(pick(i, 'ip')) || cell(pick(i, 'hostname')));
    const all = [...ingress, ...external].filter((s) => s !== '');
    return all.length > 0 ? all.join(',') : '<pending>';
  }
  return external.length > 0 ? external.join(',') : '<none>';
}

const service: ColumnSet = {
  headers: ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'],
  cells: (o, now) => [
    cell(pick(o, 'spec.type')) || 'ClusterIP',
    cell(pick(o, 'spec.clusterIP')) || '<none>',
    externalIp(o),
    servicePorts(o),
    age(o, now),
  ],
};

const serviceWide: ColumnSet = {
  headers: [...service.headers, 'SELECTOR'],
  cells: (o, now) => {
    const selector = pick(o, 'spec.selector');
    const pairs = isPlainObject(selector)
      ? Object.keys(selector).sort(compareBytes).map((k) => `${k}=${cell(selector[k])}`)
      : [];
    return [...service.cells(o, now), pairs.length > 0 ? pairs.join(',') : '<none>'];
  },
};

const countKeys = (...maps: unknown[]): string =>
  String(new Set(maps.flatMap((m) => (isPlainObject(m) ? Object.keys(m) : []))).size);

const secret: ColumnSet = {
  headers: ['NAME', 'TYPE', 'DATA', 'AGE'],
  cells: (o, now) => [o.type ?? 'Opaque', countKeys(o.data, o.stringData), age(o, now)],
};

const configMap: ColumnSet = {
  headers: ['NAME', 'DATA', 'AGE'],
  cells: (o, now) => [String(Number(countKeys(o.data)) + Number(countKeys(pick(o, 'binaryData')))), age(o, now)],
};

const namespace: ColumnSet = {
  headers: ['NAME', 'STATUS', 'AGE'],
  cells: (o, now) => [cell(pick(o, 'status.phase')) || 'Active', age(o, now)],
};

const backup: ColumnSet = {
  headers: ['NAME', 'AGE', 'CLUSTER', 'METHOD', 'PHASE', 'ERROR'],
  cells: (o, now) => [
    age(o, now),
    cell(pick(o, 'spec.cluster.name')),
    cell(pick(o, 'spec.method')),
    cell(pick(o, 'status.phase')),
    cell(pick(o, 'status.error')),
  ],
};

const scheduledBackup: ColumnSet = {
  headers: ['NAME', 'AGE', 'CLUSTER', 'LAST BACKUP'],
  cells: (o, now) => {
    const last = cell(pick(o, 'status.lastScheduleTime'));
    return [age(o, now), cell(pick(o, 'spec.cluster.name')), last === '' ? '' : formatAge(last, now)];
  },
};

/** Locally the pooler's endpoint is a port on the loopback; on Kubernetes, the Service named after the pooler. */
const poolerAddress = (o: KubeObject): string => {
  const host = cell(pick(o, 'status.localEndpoint.host'));
  return host ? `${host}:${cell(pick(o, 'status.localEndpoint.port'))}` : '<none>';
};

const pooler: ColumnSet = {
  headers: ['NAME', 'AGE', 'CLUSTER', 'TYPE', 'INSTANCES', 'READY', 'STATUS', 'ADDRESS'],
  cells: (o, now) => [
    age(o, now),
    cell(pick(o, 'spec.cluster.name')),
    cell(pick(o, 'spec.type')),
    cell(pick(o, 'spec.instances')),
    `${cell(pick(o, 'status.readyInstances')) || '0'}/${cell(pick(o, 'status.instances')) || '0'}`,
    cell(pick(o, 'status.phase')),
    poolerAddress(o),
  ],
};

/** CloudNativePG's printer columns of Database, Publication and Subscription: the PostgreSQL object each declares. */
const declaredObject: ColumnSet = {
  headers: ['NAME', 'AGE', 'CLUSTER', 'PG NAME', 'APPLIED', 'MESSAGE'],
  cells: (o, now) => [age(o, now), cell(pick(o, 'spec.cluster.name')), cell(pick(o, 'spec.name')), cell(pick(o, 'status.applied')), cell(pick(o, 'status.message'))],
};

const persistentVolumeClaim: ColumnSet = {
  headers: ['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'AGE'],
  cells: (o, now) => [
    cell(pick(o, 'status.phase')),
    cell(pick(o, 'spec.volumeName')),
    cell(pick(o, 'status.capacity.storage')),
    list(pick(o, 'status.accessModes')).map((m) => ({ ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' })[cell(m)] ?? cell(m)).join(','),
    cell(pick(o, 'spec.storageClassName')) || '<unset>',
    age(o, now),
  ],
};

const event: ColumnSet = {
  headers: ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'],
  nameless: true,
  cells: (o, now) => [
    formatAge(cell(pick(o, 'lastTimestamp')) || cell(pick(o, 'eventTime')) || o.metadata.creationTimestamp, now),
    cell(pick(o, 'type')),
    cell(pick(o, 'reason')),
    `${cell(pick(o, 'involvedObject.kind')).toLowerCase()}/${cell(pick(o, 'involvedObject.name'))}`,
    cell(pick(o, 'message')).replace(/\s*\n\s*/g, ' '),
  ],
};

const deployment: ColumnSet = {
  headers: ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'],
  cells: (o, now) => [
    `${cell(pick(o, 'status.readyReplicas')) || '0'}/${cell(pick(o, 'spec.replicas')) || '0'}`,
    cell(pick(o, 'status.updatedReplicas')) || '0',
    cell(pick(o, 'status.availableReplicas')) || '0',
    age(o, now),
  ],
};

const generic: ColumnSet = {
  headers: ['NAME', 'AGE'],
  cells: (o, now) => [age(o, now)],
};

const CORE = (o: KubeObject): boolean => o.apiVersion === 'v1';
const CNPG = (o: KubeObject): boolean => o.apiVersion.startsWith('postgresql.cnpg.io/');

/** The columns for an object's kind; `wide` adds the -o wide columns where there are any. */
export function columnsFor(obj: KubeObject, wide: boolean): ColumnSet {
  if (CORE(obj)) {
    switch (obj.kind) {
      case 'Pod': return wide ? podWide : pod;
      case 'Service': return wide ? serviceWide : service;
      case 'Secret': return secret;
      case 'ConfigMap': return configMap;
      case 'Namespace': return namespace;
      case 'PersistentVolumeClaim': return persistentVolumeClaim;
      case 'Event': return event;
      default: return generic;
    }
  }
  if (obj.apiVersion === 'apps/v1' && obj.kind === 'Deployment') return deployment;
  if (CNPG(obj)) {
    switch (obj.kind) {
      case 'Cluster': return cluster;
      case 'Backup': return backup;
      case 'ScheduledBackup': return scheduledBackup;
      case 'Pooler': return pooler;
      case 'Database':
      case 'Publication':
      case 'Subscription': return declaredObject;
      default: return generic;
    }
  }
  return generic;
}
