// Pure: from a Cluster and what was observed, the next actions and the status to record.
// Level-based: every call looks at the whole picture, so a repeated or interrupted reconcile is safe.
import type { ClusterStatus, Condition, StoredCluster as Cluster } from '../api/cluster-status.js';
import { configHash, desiredInstanceConfig, type Topology } from './instance-config.js';
import { instanceName, nextSerial, secretNames, serviceNames } from './names.js';
import type { Action, ObservedCluster, ObservedInstance, Plan } from './types.js';

export const PHASE = {
  settingUpPrimary: 'Setting up primary',
  creatingReplica: 'Creating a new replica',
  healthy: 'Cluster in healthy state',
  waitingForInstances: 'Waiting for the instances to become active',
  applyingConfiguration: 'Applying configuration',
  restartingPrimary: 'Primary instance is being restarted in-place',
  waitingForUser: 'Waiting for user action',
} as const;

const WORKING_REQUEUE_MS = 200;

function isReady(i: ObservedInstance | undefined): boolean {
  return Boolean(i?.running && i.status?.ready);
}

/** The instance we believe is primary: the recorded one if it still exists, else whoever says so. */
export function currentPrimaryOf(status: ClusterStatus, instances: ObservedInstance[]): string | undefined {
  const names = new Set(instances.map((i) => i.name));
  if (status.currentPrimary && names.has(status.currentPrimary)) return status.currentPrimary;
  return instances.find((i) => i.status?.isPrimary)?.name ?? instances.find((i) => i.role === 'primary')?.name;
}

function secretActions(cluster: Cluster, observed: ObservedCluster): Action[] {
  const names = secretNames(cluster.metadata.name);
  const initdb = cluster.spec.bootstrap?.initdb;
  const database = initdb?.database ?? 'app';
  const actions: Action[] = [
    { kind: 'ensureSecret', role: 'replication', name: names.replication, username: 'streaming_replica', dbname: 'postgres' },
    { kind: 'ensureSecret', role: 'app', name: names.app, username: initdb?.owner ?? database, dbname: database, sourceSecret: initdb?.secret?.name },
  ];
  const superuserWanted = cluster.spec.enableSuperuserAccess === true;
  if (superuserWanted) {
    actions.push({ kind: 'ensureSecret', role: 'superuser', name: names.superuser, username: 'postgres', dbname: '*', sourceSecret: cluster.spec.superuserSecret?.name });
  } else if (observed.secrets.has(names.superuser)) {
    actions.push({ kind: 'deleteSecret', name: names.superuser });
  }
  return actions;
}

function condition(type: string, ok: boolean, reason: [string, string], message: string, previous: Condition[] | undefined, now: string): Condition {
  const status = ok ? 'True' : 'False';
  const before = previous?.find((c) => c.type === type);
  return {
    type,
    status,
    reason: ok ? reason[0] : reason[1],
    message,
    lastTransitionTime: before && before.status === status ? before.lastTransitionTime : now,
  };
}

export function planCluster(cluster: Cluster, observed: ObservedCluster, major: number): Plan {
  const name = cluster.metadata.name;
  const previous = (cluster.status ?? {}) as ClusterStatus;
  const now = observed.now.toISOString();
  const wanted = cluster.spec.instances ?? 1;
  const actions: Action[] = secretActions(cluster, observed);
  const instances = [...observed.instances].sort((a, b) => a.serial - b.serial);
  let phase: string = PHASE.healthy;
  let phaseReason = '';
  let requeueAfterMs: number | undefined;
  const status: ClusterStatus = { ...previous, writeService: serviceNames(name).rw, readService: serviceNames(name).ro, observedGeneration: cluster.metadata.generation };

  let primary = currentPrimaryOf(previous, instances);
  if (instances.length === 0 || primary === undefined) {
    primary = instanceName(name, nextSerial(instances.map((i) => i.serial)));
    const config = desiredInstanceConfig(cluster, primary, { primary, instances: [primary] }, major);
    actions.push({ kind: 'createInstance', name: primary, serial: Number(primary.slice(name.length + 1)), config });
    actions.push({ kind: 'recordEvent', type: 'Normal', reason: 'CreatingInstance', message: `Primary instance ${primary} (initdb)` });
    instances.push({ name: primary, serial: Number(primary.slice(name.length + 1)), running: true, role: 'primary' });
    status.currentPrimaryTimestamp = now;
    status.targetPrimaryTimestamp = now;
    phase = PHASE.settingUpPrimary;
    requeueAfterMs = WORKING_REQUEUE_MS;
  }

  const topology: Topology = { primary, instances: instances.map((i) => i.name) };
  const primaryObs = instances.find((i) => i.name === primary);
  const primaryReady = isReady(primaryObs) && primaryObs?.status?.isPrimary === true;
  const replicas = instances.filter((i) => i.name !== primary);

  // Configuration first, so that the primary already keeps a slot for a replica created below.
  for (const inst of instances) {
    if (inst.configHash === undefined && !inst.running) continue;
    const config = desiredInstanceConfig(cluster, inst.name, topology, major);
    const credentialsChanged = observed.credentialsHash !== undefined && inst.credentialsHash !== observed.credentialsHash;
    if (!inst.running) actions.push({ kind: 'startInstance', name: inst.name, config });
    else if (inst.configHash !== undefined && (inst.configHash !== configHash(config) || credentialsChanged)) {
      actions.push({ kind: 'configureInstance', name: inst.name, config });
    }
  }

  if (phase !== PHASE.settingUpPrimary) {
    if (!primaryReady) {
      phase = primaryObs?.status?.isPrimary === undefined && instances.length === 1 ? PHASE.settingUpPrimary : PHASE.waitingForInstances;
      phaseReason = primaryObs?.status?.lastError ?? primaryObs?.statusError ?? '';
      requeueAfterMs = WORKING_REQUEUE_MS;
    } else if (instances.length < wanted) {
      phase = PHASE.creatingReplica;
      requeueAfterMs = WORKING_REQUEUE_MS;
      if (replicas.every(isReady)) {
        const serial = nextSerial(instances.map((i) => i.serial));
        const newName = instanceName(name, serial);
        const grown: Topology = { primary, instances: [...topology.instances, newName] };
        actions.push({ kind: 'configureInstance', name: primary, config: desiredInstanceConfig(cluster, primary, grown, major) });
        actions.push({ kind: 'createInstance', name: newName, serial, config: desiredInstanceConfig(cluster, newName, grown, major) });
        actions.push({ kind: 'recordEvent', type: 'Normal', reason: 'CreatingInstance', message: `Replica instance ${newName} (join from ${primary})` });
        instances.push({ name: newName, serial, running: true, role: 'replica' });
      }
      phaseReason = `Creating replica ${instances.length}/${wanted}`;
    } else if (instances.length > wanted) {
      // CloudNativePG removes the non-primary instance with the highest serial.
      const victim = replicas[replicas.length - 1];
      if (victim) {
        actions.push({ kind: 'removeInstance', name: victim.name });
        actions.push({ kind: 'recordEvent', type: 'Normal', reason: 'ScaleDown', message: `Scaling down: removing instance ${victim.name}` });
        instances.splice(instances.indexOf(victim), 1);
      }
      phase = PHASE.waitingForInstances;
      phaseReason = `Scaling down to ${wanted} instances`;
      requeueAfterMs = WORKING_REQUEUE_MS;
    } else if (!replicas.every(isReady)) {
      phase = PHASE.waitingForInstances;
      requeueAfterMs = WORKING_REQUEUE_MS;
    } else {
      const pendingReplica = [...replicas].reverse().find((r) => r.status?.pendingRestart);
      if (pendingReplica) {
        actions.push({ kind: 'restartPostgres', name: pendingReplica.name });
        actions.push({ kind: 'recordEvent', type: 'Normal', reason: 'RestartingInstance', message: `Restarting ${pendingReplica.name} to apply configuration` });
        phase = PHASE.applyingConfiguration;
        requeueAfterMs = WORKING_REQUEUE_MS;
      } else if (primaryObs?.status?.pendingRestart) {
        if (cluster.spec.primaryUpdateStrategy === 'supervised') {
          phase = PHASE.waitingForUser;
          phaseReason = `Primary ${primary} needs a restart: run cnpg restart ${name} ${primary}, or cnpg promote ${name} <replica>`;
        } else {
          actions.push({ kind: 'restartPostgres', name: primary });
          actions.push({ kind: 'recordEvent', type: 'Normal', reason: 'RestartingPrimary', message: `Restarting primary ${primary} in place to apply configuration` });
          phase = PHASE.restartingPrimary;
          requeueAfterMs = WORKING_REQUEUE_MS;
        }
      }
    }
  }

  const ready = instances.filter(isReady);
  actions.push({
    kind: 'routeEndpoints',
    rw: primaryReady ? [primary] : [],
    ro: ready.filter((i) => i.name !== primary).map((i) => i.name),
    r: ready.map((i) => i.name),
  });

  const healthy = phase === PHASE.healthy;
  Object.assign(status, {
    phase,
    phaseReason: phaseReason || undefined,
    instances: instances.length,
    readyInstances: ready.length,
    instanceNames: instances.map((i) => i.name),
    instancesStatus: {
      healthy: ready.map((i) => i.name),
      replicating: instances.filter((i) => i.running && !isReady(i)).map((i) => i.name),
      failed: instances.filter((i) => !i.running).map((i) => i.name),
    },
    instancesReportedState: Object.fromEntries(
      instances.filter((i) => i.status?.isPrimary !== undefined).map((i) => [i.name, { isPrimary: i.status?.isPrimary === true, timeLineID: i.status?.timeLineID }]),
    ),
    currentPrimary: primary,
    targetPrimary: primary,
    timelineID: primaryObs?.status?.timeLineID ?? previous.timelineID,
    systemID: primaryObs?.status?.systemID ?? previous.systemID,
    conditions: [
      condition('Ready', healthy, ['ClusterIsReady', 'ClusterIsNotReady'], healthy ? 'Cluster is Ready' : phase, previous.conditions, now),
    ],
  } satisfies ClusterStatus);
  if (previous.currentPrimary !== primary) status.currentPrimaryTimestamp = now;
  return { actions, status, requeueAfterMs };
}
