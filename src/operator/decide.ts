// Pure: from a Cluster and what was observed, the next actions and the status to record.
// Level-based: every call looks at the whole picture, so a repeated or interrupted reconcile is safe.
import type { ClusterStatus, Condition, StoredCluster as Cluster } from '../api/cluster-status.js';
import { backupConditions } from './backup-status.js';
import { planCertificates } from './certificates.js';
import { condition } from './conditions.js';
import { recoveryDescription } from './snapshot-bootstrap.js';
import { UNCERTAIN_FAILURE_WINDOW_MS, chooseFailoverTarget, fencedInstances, primaryFailure, type FailureEvidence } from './failover.js';
import { judgeUncertainFailure } from './failure-witness.js';
import { recordedImage } from '../api/defaults.js';
import { configHash, desiredInstanceConfig, type Topology } from './instance-config.js';
import { ANNOTATIONS, instanceName, secretNames, serviceNames } from '../api/names.js';
import { nextSerial } from './names.js';
import { planMajorUpgrade } from './major-upgrade.js';
import { planPodMonitor, queriesReferences, resolveQueries } from './monitoring.js';
import { peersChanged } from './instance-handout.js';
import { PHASE } from './phases.js';
import { destroyRequest, planDestroy } from './destroy-instance.js';
import { planHibernation } from './hibernation.js';
import { planDrainedInstances } from './maintenance.js';
import { failoverQuorumHold, nextFailoverQuorumRecord } from './failover-quorum.js';
import { failoverCarriesRequest, failoverRequest, keepRequest, namedPromotion, requestedPrimary } from './named-promotion.js';
import { failureDomainCondition, failureDomainTopologyField } from './failure-domains.js';
import { keepsSyncQuorum, nextStandbyToRoll, outdatedBecause, runningVersion, runsOutdatedSpec, synchronousQuorum, volumeResizes } from './rollout.js';
import { buildWait, versionStatus, withBuild } from './postgres-build-plan.js';
import { planReplicaCluster } from './replica-cluster.js';
import { managedRolesStatus, ownerPasswordSecret, planRoleSecrets } from './role-secrets.js';
import { externalBootstrapDescription } from './external-bootstrap.js';
import { placementOf } from './sync-election.js';
import type { Action, InstanceConfig, ObservedCluster, ObservedInstance, Plan } from './types.js';

export { PHASE } from './phases.js';

const WORKING_REQUEUE_MS = 200;
/** While a failover is under way every step is a reconcile away, so ask again almost at once. */
const FAILOVER_REQUEUE_MS = 20;

function isReady(i: ObservedInstance | undefined): boolean {
  return Boolean(i?.running && i.status?.ready);
}

/** Takes the cluster's writes, or (a replica cluster's designated primary) stands where its writer would. */
function leads(i: ObservedInstance | undefined): boolean {
  return i?.status?.isPrimary === true || i?.status?.designatedPrimary === true;
}

/** The instance we believe is primary: the recorded one if it still exists, else whoever says so. */
export function currentPrimaryOf(status: ClusterStatus, instances: ObservedInstance[]): string | undefined {
  const names = new Set(instances.map((i) => i.name));
  if (status.currentPrimary && names.has(status.currentPrimary)) return status.currentPrimary;
  return instances.find((i) => i.status?.isPrimary)?.name ?? instances.find((i) => i.role === 'primary')?.name;
}

function secretActions(cluster: Cluster, observed: ObservedCluster): Action[] {
  const names = secretNames(cluster.metadata.name);
  const initdb = cluster.spec.bootstrap?.initdb ?? cluster.spec.bootstrap?.recovery ?? cluster.spec.bootstrap?.pg_basebackup;
  const database = initdb?.database ?? 'app';
  const owner = initdb?.owner ?? database;
  const actions: Action[] = [
    { kind: 'ensureSecret', role: 'replication', name: names.replication, username: 'streaming_replica', dbname: 'postgres' },
    {
      kind: 'ensureSecret',
      role: 'app',
      name: names.app,
      username: owner,
      dbname: database,
      sourceSecret: initdb?.secret?.name ?? ownerPasswordSecret(cluster, owner, observed.secrets),
    },
  ];
  if (cluster.spec.enableSuperuserAccess === true) {
    actions.push({ kind: 'ensureSecret', role: 'superuser', name: names.superuser, username: 'postgres', dbname: '*', sourceSecret: cluster.spec.superuserSecret?.name });
  } else if (observed.secrets.has(names.superuser)) {
    actions.push({ kind: 'deleteSecret', name: names.superuser });
  }
  return actions;
}


interface Progress {
  phase: string;
  reason?: string;
  requeueAfterMs?: number;
  /** Set when this plan changes which instance takes writes. */
  rw?: string[];
}

export function planCluster(cluster: Cluster, observed: ObservedCluster, major: number): Plan {
  const name = cluster.metadata.name;
  const previous = (cluster.status ?? {}) as ClusterStatus;
  const now = observed.now.toISOString();
  const certificates = planCertificates(cluster, observed.certificates ?? {}, observed.endpointHosts ?? [], observed.now, observed.poolerIntegration ?? false);
  const roleSecrets = planRoleSecrets(cluster, observed.secrets, previous.managedRolesStatus);
  const actions: Action[] = [...secretActions(cluster, observed), ...certificates.actions, ...roleSecrets.actions];
  const instances = [...observed.instances].sort((a, b) => a.serial - b.serial);
  actions.push(...volumeResizes(cluster, instances));
  const status: ClusterStatus = {
    ...previous,
    writeService: serviceNames(name).rw,
    readService: serviceNames(name).ro,
    observedGeneration: cluster.metadata.generation,
    certificates: certificates.status,
  };
  const image = recordedImage(cluster.spec, previous.image, observed.defaultImage);
  if (image) status.image = image;
  status.managedRolesStatus = managedRolesStatus(cluster, observed.instances.find((i) => i.name === currentPrimaryOf(previous, observed.instances)), roleSecrets.status, previous.managedRolesStatus);
  if (!status.managedRolesStatus) delete status.managedRolesStatus;
  const fenced = fencedInstances(cluster.metadata.annotations, instances.map((i) => i.name));
  const topologyWith = (primary: string, extra: string[] = []): Topology => ({
    primary,
    instances: [...instances.map((i) => i.name), ...extra],
    ready: instances.filter(isReady).map((i) => i.name),
    fenced,
    placement: placementOf(instances),
  });
  const recovery = observed.recovery && !('error' in observed.recovery) ? observed.recovery : undefined;
  const queries = observed.monitoring ?? resolveQueries(cluster, []);
  const build = observed.postgresBuild;
  /** The exact build the Cluster's version resolves to, where the platform chooses builds and has it. */
  const wantedVersion = build?.state === 'ready' ? build.version : undefined;
  /** The major the instances run: the data's until a major upgrade of it succeeded. */
  let runMajor = major;
  /** At the Cluster's major, its build; at the data's older one, the build the instance ran it with. */
  const configAt = (instance: string, topology: Topology, at: number): InstanceConfig => {
    const config = desiredInstanceConfig(cluster, instance, topology, at, recovery, observed.poolerIntegration, queries.queries);
    const observedInstance = instances.find((i) => i.name === instance);
    if (at === major) return withBuild(config, build, observedInstance);
    const ran = runningVersion(observedInstance);
    return ran !== undefined && Number(ran.split('.')[0]) === at ? { ...config, postgresVersion: ran } : config;
  };
  const configFor = (instance: string, topology: Topology) => configAt(instance, topology, runMajor);
  /** Set while the build a new instance needs is not here yet: instances are created once it is. */
  const waitForBuild = buildWait(build);

  /** Instances this plan stops: out of every endpoint at once. */
  const stopping = new Set<string>();
  let primary = currentPrimaryOf(previous, instances);
  const upgrade = planMajorUpgrade({ cluster, previous, requested: major, image, instances, primary, targetReady: waitForBuild === undefined, configFor: (instance, at) => configAt(instance, topologyWith(instance), at) });
  runMajor = upgrade.runMajor;
  status.pgDataImageInfo = upgrade.pgDataImageInfo;
  if (upgrade.targetPgDataImageInfo) status.targetPgDataImageInfo = upgrade.targetPgDataImageInfo;
  else delete status.targetPgDataImageInfo;
  for (const stale of upgrade.stale) {
    actions.push({ kind: 'removeInstance', name: stale });
    actions.push({ kind: 'recordEvent', type: 'Normal', reason: 'MajorUpgradeReplica', message: `Removing ${stale}: its data is an older major than the upgraded primary's; a new replica is cloned from it` });
    instances.splice(instances.findIndex((i) => i.name === stale), 1);
  }
  if (upgrade.refused?.event) actions.push(upgrade.refused.event);
  /** Set while the primary looks failed on evidence that does not (yet) justify failing over. */
  let held: FailureEvidence | undefined;
  /** The primary's Pod is being recreated on its data, on purpose: its absence is no failure, for up to startDelay. */
  let recreatingPrimary = false;
  let hibernationCondition: Condition | undefined;
  /** Serials of instances this plan removes: a new one must not take the name of volumes still going. */
  const retired: number[] = [];
  let progress: Progress;
  if ((instances.length === 0 || primary === undefined) && observed.recovery && 'error' in observed.recovery) {
    const reason = `Cannot recover: ${observed.recovery.error}`;
    Object.assign(status, { phase: PHASE.settingUpPrimary, phaseReason: reason, conditions: [condition('Ready', false, ['ClusterIsReady', 'ClusterIsNotReady'], reason, previous.conditions, now)] });
    return { actions, status, requeueAfterMs: 5000 };
  }
  function recordVersion(primaryObs: ObservedInstance | undefined): void {
    const version = versionStatus(previous, status.image, major, primaryObs, build);
    Object.assign(status, version.fields);
    if (!status.postgresResolution) delete status.postgresResolution;
    actions.push(...version.actions);
  }
  if ((instances.length === 0 || primary === undefined) && waitForBuild) {
    recordVersion(undefined);
    Object.assign(status, { phase: PHASE.settingUpPrimary, phaseReason: waitForBuild.reason, conditions: [condition('Ready', false, ['ClusterIsReady', 'ClusterIsNotReady'], waitForBuild.reason, previous.conditions, now)] });
    return { actions, status, requeueAfterMs: waitForBuild.requeueAfterMs };
  }
  if (instances.length === 0 || primary === undefined) {
    primary = instanceName(name, nextSerial(instances.map((i) => i.serial)));
    const serial = Number(primary.slice(name.length + 1));
    actions.push({ kind: 'createInstance', name: primary, serial, config: configFor(primary, { primary, instances: [primary], fenced }) });
    const how = recovery ? recoveryDescription(recovery) : (externalBootstrapDescription(cluster) ?? 'initdb');
    actions.push({ kind: 'recordEvent', type: 'Normal', reason: 'CreatingInstance', message: `Primary instance ${primary} (${how})` });
    instances.push({ name: primary, serial, running: true, role: 'primary' });
    status.currentPrimary = status.targetPrimary = primary;
    status.currentPrimaryTimestamp = status.targetPrimaryTimestamp = now;
    progress = { phase: PHASE.settingUpPrimary, requeueAfterMs: WORKING_REQUEUE_MS };
  } else {
    const last = primary;
    const hibernation = planHibernation({ cluster, instances, primary: last, previousConditions: previous.conditions, previousPhase: previous.phase, now: observed.now, configFor: (n) => configFor(n, topologyWith(last)) });
    actions.push(...hibernation.actions);
    for (const n of hibernation.stopping) stopping.add(n);
    hibernationCondition = hibernation.condition;
    const drained = hibernation.progress ? { drop: [], actions: [] } : planDrainedInstances(cluster, instances, last);
    actions.push(...drained.actions);
    for (const name of drained.drop) retired.push(...instances.splice(instances.findIndex((i) => i.name === name), 1).map((i) => i.serial));
    progress =
      hibernation.progress ??
      majorUpgradeStep() ??
      continueFailover(primary) ??
      switchover(primary) ??
      startFailover(primary) ??
      steadyState(primary);
    primary = status.currentPrimary ?? primary;
  }
  status.failoverQuorum = nextFailoverQuorumRecord(cluster, previous, instances.find((i) => i.name === primary), () => configFor(primary, topologyWith(primary)).synchronousStandbyNames);
  if (!status.failoverQuorum) delete status.failoverQuorum;
  if (upgrade.refused && progress.phase === PHASE.healthy) progress = { phase: PHASE.waitingForUser, reason: upgrade.refused.reason };

  /** A major upgrade under way has the Cluster to itself: no failover of the instances it stopped. */
  function majorUpgradeStep(): Progress | undefined {
    if (!upgrade.step) return undefined;
    actions.push(...upgrade.step.actions);
    return { phase: upgrade.step.phase, reason: upgrade.step.reason, requeueAfterMs: upgrade.step.requeueAfterMs, rw: [] };
  }

  function continueFailover(old: string): Progress | undefined {
    if (previous.targetPrimary !== 'pending') return undefined;
    // An instance already promoted means the promotion step ran but its status was not written:
    // it is the target, and choosing another would make a second primary.
    const promoted = instances.find((i) => i.name !== old && !fenced.has(i.name) && i.running && i.status?.postgresRunning && i.status.isPrimary === true);
    const request = failoverRequest(name, cluster.metadata.annotations, instances, old, fenced);
    const target = promoted ?? request.target ?? chooseFailoverTarget(instances, new Set([old, ...fenced]));
    if (!target) {
      // Nobody was promoted, so the isolated old primary is still the only one with every write:
      // giving up and starting it again is safe, and better than waiting for ever.
      const pendingFor = observed.now.getTime() - Date.parse(previous.targetPrimaryTimestamp ?? now);
      if (pendingFor >= UNCERTAIN_FAILURE_WINDOW_MS) {
        actions.push({ kind: 'recordEvent', type: 'Warning', reason: 'FailoverAbandoned', message: `No standby of ${name} can be promoted; ${old} stays the primary and is started again` });
        status.targetPrimary = old;
        status.targetPrimaryTimestamp = now;
        return undefined;
      }
      return { phase: PHASE.failingOver, reason: `Failing over from ${old}: waiting for a standby that can be promoted`, requeueAfterMs: 500, rw: [] };
    }
    // Positions are final only once no standby still streams from the old primary.
    if (!promoted && instances.some((i) => i.name !== old && i.status?.isWalReceiverActive)) {
      return { phase: PHASE.failingOver, reason: `Failing over from ${old}: waiting for WAL receivers to stop`, requeueAfterMs: FAILOVER_REQUEUE_MS, rw: [] };
    }
    const topology = topologyWith(target.name);
    actions.push(...request.actions);
    actions.push({ kind: 'promoteInstance', name: target.name, config: configFor(target.name, topology) });
    // The other standbys follow the new primary in this same step, not a reconcile later: with
    // synchronous replication no commit is acknowledged until one of them streams from it again.
    for (const other of instances) {
      if (other.name === old || other.name === target.name || !other.running || other.configHash === undefined) continue;
      actions.push({ kind: 'configureInstance', name: other.name, config: configFor(other.name, topology) });
    }
    actions.push({ kind: 'recordEvent', type: 'Normal', reason: 'FailoverTarget', message: `Failing over from ${old} to ${target.name} (received ${target.status?.receivedLsn ?? target.status?.replayLsn})` });
    status.currentPrimary = status.targetPrimary = target.name;
    status.currentPrimaryTimestamp = status.targetPrimaryTimestamp = now;
    delete status.currentPrimaryFailingSinceTimestamp;
    return { phase: PHASE.failingOver, reason: `Failing over from ${old} to ${target.name}`, requeueAfterMs: FAILOVER_REQUEUE_MS, rw: [target.name] };
  }

  /**
   * Nobody takes writes while the primary changes, but the ready standbys go on serving reads: the
   * route the plan ends with anyway. Taking them out meanwhile cut readers off for nothing, and on
   * Kubernetes made kube-proxy sync once more, holding the new primary's route back by its minimum
   * sync interval.
   */
  function readersOnly(...leaving: string[]): Action {
    const readers = instances.filter((i) => !leaving.includes(i.name) && isReady(i) && !fenced.has(i.name) && !stopping.has(i.name)).map((i) => i.name);
    return { kind: 'routeEndpoints', rw: [], ro: readers, r: readers };
  }

  function switchover(current: string): Progress | undefined {
    const annotated = cluster.metadata.annotations?.[ANNOTATIONS.targetPrimary];
    const currentObs = instances.find((i) => i.name === current);
    // A request the failover of a failing primary will carry out stays until it does (named-promotion.ts).
    const failing = !fenced.has(current) && primaryFailure(currentObs, observed.now) !== undefined;
    if (annotated && !failoverCarriesRequest(annotated, instances, current, fenced, failing)) actions.push({ kind: 'clearAnnotation', key: ANNOTATIONS.targetPrimary });
    const wanted = requestedPrimary(cluster.metadata.annotations, previous, current);
    if (!wanted || wanted === current) return undefined;
    const target = instances.find((i) => i.name === wanted);
    if (!target || !isReady(target) || fenced.has(wanted)) {
      actions.push({ kind: 'recordEvent', type: 'Warning', reason: 'SwitchoverRefused', message: `${wanted} is not a ready, unfenced standby of ${name}; the primary stays ${current}` });
      status.targetPrimary = current;
      return undefined;
    }
    if (primaryFailure(currentObs, observed.now)) return undefined;
    const topology = topologyWith(wanted);
    // The target leaves -ro before it is promoted: no read-only client is left on the new primary.
    actions.push(readersOnly(current, wanted));
    actions.push({ kind: 'switchover', from: current, to: wanted, fromConfig: configFor(current, topology), toConfig: configFor(wanted, topology) });
    actions.push({ kind: 'recordEvent', type: 'Normal', reason: 'Switchover', message: `Switched over from ${current} to ${wanted}` });
    status.currentPrimary = status.targetPrimary = wanted;
    status.currentPrimaryTimestamp = status.targetPrimaryTimestamp = now;
    return { phase: PHASE.switchover, reason: `Switching over from ${current} to ${wanted}`, requeueAfterMs: FAILOVER_REQUEUE_MS, rw: [wanted] };
  }

  function startFailover(current: string): Progress | undefined {
    const p = instances.find((i) => i.name === current);
    const evidence = fenced.has(current) ? undefined : primaryFailure(p, observed.now);
    if (!evidence) {
      delete status.currentPrimaryFailingSinceTimestamp;
      // A recreated primary still starting keeps the phase that says why it is not ready.
      recreatingPrimary = previous.phase === PHASE.recreatingPrimary;
      return undefined;
    }
    const since = previous.currentPrimaryFailingSinceTimestamp ?? now;
    status.currentPrimaryFailingSinceTimestamp = since;
    if (previous.phase === PHASE.recreatingPrimary && observed.now.getTime() - Date.parse(since) < (cluster.spec.startDelay ?? 3600) * 1000) {
      recreatingPrimary = true;
      return undefined;
    }
    // Failing over needs somewhere to go; a lone primary is simply started again.
    if (!chooseFailoverTarget(instances, new Set([current, ...fenced]))) return hold(evidence);
    // A restarted operator has seen nothing of what happened before it: it counts from its start.
    const waited = observed.now.getTime() - Math.max(Date.parse(since), observed.observingSince?.getTime() ?? 0);
    const delayMs = (cluster.spec.failoverDelay ?? 0) * 1000;
    // Uncertain evidence needs witnesses among the standbys (failure-witness.ts).
    const verdict = evidence.certain ? undefined : judgeUncertainFailure({ instances, primary: current, since, observed, delayMs }, UNCERTAIN_FAILURE_WINDOW_MS);
    if (verdict && !verdict.failOver) return hold(evidence, verdict.why);
    if (evidence.certain && waited < delayMs) {
      return { phase: PHASE.failingOver, reason: `Primary ${current} is failing (${evidence.reason}); failing over in ${Math.ceil((delayMs - waited) / 1000)}s (failoverDelay)`, requeueAfterMs: Math.min(1000, delayMs - waited), rw: [] };
    }
    // Either route of a promote, the annotation or status.targetPrimary written directly (named-promotion.ts).
    const named = namedPromotion(requestedPrimary(cluster.metadata.annotations, status, current), instances, current, fenced);
    const quorum = failoverQuorumHold(cluster, previous, instances, current, fenced, named);
    if (quorum) {
      actions.push(...quorum.actions);
      return hold(evidence, quorum.reason);
    }
    actions.push(...keepRequest(cluster.metadata.annotations, named));
    // Step one: make sure the old primary can take no more writes. The choice of target waits for
    // the next reconcile, when every standby's position is final.
    actions.push(readersOnly(current));
    actions.push({ kind: 'isolateInstance', name: current });
    actions.push({ kind: 'recordEvent', type: 'Warning', reason: 'FailingOver', message: `Primary ${current} failed (${evidence.reason}${verdict?.failOver ? `, ${verdict.because}` : ''}); failing over` });
    status.targetPrimary = 'pending';
    status.targetPrimaryTimestamp = now;
    return { phase: PHASE.failingOver, reason: `Failing over from ${current}`, requeueAfterMs: FAILOVER_REQUEUE_MS, rw: [] };
  }

  /** Not failing over (yet): the primary keeps its writes, and steadyState keeps everything else going. */
  function hold(evidence: FailureEvidence, why?: string): undefined {
    held = { ...evidence, reason: why ? `${evidence.reason}; ${why}` : evidence.reason };
    return undefined;
  }

  /**
   * `cnpg restart CLUSTER INSTANCE`, as CloudNativePG's plugin does it: the primary restarts in
   * place (the user's explicit word, so `supervised` does not hold it back), a standby is recreated
   * on its data. The request is cleared after the action, so a restart that failed is tried again.
   */
  function restartRequested(current: string): Progress | undefined {
    const wanted = cluster.metadata.annotations?.[ANNOTATIONS.restartInstance];
    if (!wanted) return undefined;
    const target = instances.find((i) => i.name === wanted);
    const clear = { kind: 'clearAnnotation', key: ANNOTATIONS.restartInstance } as const;
    if (!target) {
      actions.push({ kind: 'recordEvent', type: 'Warning', reason: 'RestartRefused', message: `${wanted} is not an instance of ${name}; nothing restarted` });
      actions.push(clear);
      return undefined;
    }
    if (wanted === current) {
      // A primary whose manager is not up yet is being started anyway; the request waits for it.
      if (!target.running) return undefined;
      actions.push({ kind: 'recordEvent', type: 'Normal', reason: 'RestartingPrimary', message: `Restarting primary ${current} in place, as requested` });
      actions.push({ kind: 'restartPostgres', name: current });
      actions.push(clear);
      return { phase: PHASE.restartingPrimary, reason: 'Requested by the user', requeueAfterMs: WORKING_REQUEUE_MS };
    }
    actions.push({ kind: 'recordEvent', type: 'Normal', reason: 'RestartingInstance', message: `Recreating standby ${wanted} on its data, as requested` });
    if (target.running) actions.push({ kind: 'stopInstance', name: wanted });
    stopping.add(wanted);
    actions.push(clear);
    return { phase: PHASE.waitingForInstances, reason: `Restarting ${wanted}`, requeueAfterMs: WORKING_REQUEUE_MS };
  }

  /** `cnpg destroy CLUSTER INSTANCE` (destroy-instance.ts); the next reconcile makes the missing instance. */
  function destroyRequested(current: string): Progress | undefined {
    const d = planDestroy(name, destroyRequest(cluster.metadata.annotations), instances, current, fenced);
    if (!d || d.kind === 'wait') return undefined;
    actions.push(...d.actions);
    if (d.kind === 'refuse') return undefined;
    if (d.kind === 'remove') instances.splice(instances.findIndex((i) => i.name === d.instance), 1);
    if (d.kind === 'switchover') Object.assign(status, { targetPrimary: d.to, targetPrimaryTimestamp: now });
    return d.progress;
  }

  function steadyState(current: string): Progress {
    const wanted = cluster.spec.instances ?? 1;
    const topology = topologyWith(current);
    const primaryObs = instances.find((i) => i.name === current);
    const primaryReady = isReady(primaryObs) && leads(primaryObs);
    const replicas = instances.filter((i) => i.name !== current);

    for (const inst of instances) {
      if (inst.configHash === undefined && !inst.running) continue;
      const config = configFor(inst.name, topology);
      const credentialsChanged = observed.credentialsHash !== undefined && inst.credentialsHash !== observed.credentialsHash;
      if (!inst.running) actions.push({ kind: 'startInstance', name: inst.name, config });
      else if (inst.name === current && inst.status?.phase === 'isolated' && !fenced.has(current)) {
        // An isolated primary that nobody replaced stays down until told otherwise: a new spec
        // is that word, now that the operator reaches it again.
        actions.push({ kind: 'configureInstance', name: inst.name, config });
        actions.push({ kind: 'recordEvent', type: 'Normal', reason: 'ReleasingIsolation', message: `No standby of ${name} can take over from the isolated primary ${current}; starting it again` });
      } else if (inst.configHash !== undefined && (inst.configHash !== configHash(config) || credentialsChanged || peersChanged(inst))) {
        actions.push({ kind: 'configureInstance', name: inst.name, config });
      } else if (inst.name !== current && inst.status?.phase === 'isolated' && !fenced.has(inst.name)) {
        // A standby takes no writes: nothing holds it down, and a new spec is its release. (An old
        // primary's manager that was frozen applies its failover's isolate request only when it
        // runs again, after it was already told to follow the new primary.)
        actions.push({ kind: 'configureInstance', name: inst.name, config });
        actions.push({ kind: 'recordEvent', type: 'Normal', reason: 'ReleasingIsolation', message: `${inst.name} is isolated (${inst.status.isolationReason ?? 'by the operator'}) but is a standby of ${current}; starting it again as one` });
      }
    }

    const restart = restartRequested(current) ?? destroyRequested(current);
    if (restart) return restart;
    if (!primaryReady && recreatingPrimary) return { phase: PHASE.recreatingPrimary, reason: `Waiting for ${current} to start again on its data`, requeueAfterMs: WORKING_REQUEUE_MS };
    if (!primaryReady) {
      const phase = primaryObs?.status?.isPrimary === undefined && instances.length === 1 ? PHASE.settingUpPrimary : PHASE.waitingForInstances;
      const lastError = primaryObs?.status?.lastError;
      // A bootstrap retrying after a failure (a source it cannot reach or log in to) says why.
      const heldReason = held && `primary ${current}: ${held.reason}${lastError ? `; last error: ${lastError}` : ''}`;
      const reason = fenced.has(current) ? `primary ${current} is fenced` : (heldReason ?? lastError ?? primaryObs?.statusError);
      return { phase, reason, requeueAfterMs: WORKING_REQUEUE_MS };
    }
    if (instances.length < wanted) {
      if (!replicas.every((r) => isReady(r) || fenced.has(r.name))) return { phase: PHASE.creatingReplica, reason: `Creating replica ${instances.length}/${wanted}`, requeueAfterMs: WORKING_REQUEUE_MS };
      if (waitForBuild) return { phase: PHASE.creatingReplica, reason: waitForBuild.reason, requeueAfterMs: waitForBuild.requeueAfterMs };
      const serial = nextSerial([...instances.map((i) => i.serial), ...retired, ...(observed.keptSerials ?? [])]);
      const newName = instanceName(name, serial);
      const grown = topologyWith(current, [newName]);
      actions.push({ kind: 'configureInstance', name: current, config: configFor(current, grown) });
      actions.push({ kind: 'createInstance', name: newName, serial, config: configFor(newName, grown) });
      actions.push({ kind: 'recordEvent', type: 'Normal', reason: 'CreatingInstance', message: `Replica instance ${newName} (join from ${current})` });
      instances.push({ name: newName, serial, running: true, role: 'replica' });
      return { phase: PHASE.creatingReplica, reason: `Creating replica ${instances.length}/${wanted}`, requeueAfterMs: WORKING_REQUEUE_MS };
    }
    if (instances.length > wanted) {
      // CloudNativePG removes the non-primary instance with the highest serial.
      const victim = replicas[replicas.length - 1];
      if (victim) {
        actions.push({ kind: 'removeInstance', name: victim.name });
        actions.push({ kind: 'recordEvent', type: 'Normal', reason: 'ScaleDown', message: `Scaling down: removing instance ${victim.name}` });
        instances.splice(instances.indexOf(victim), 1);
      }
      return { phase: PHASE.waitingForInstances, reason: `Scaling down to ${wanted} instances`, requeueAfterMs: WORKING_REQUEUE_MS };
    }
    if (!replicas.every(isReady)) {
      const fencedNames = replicas.filter((r) => fenced.has(r.name)).map((r) => r.name);
      return { phase: PHASE.waitingForInstances, reason: fencedNames.length ? `fenced: ${fencedNames.join(', ')}` : undefined, requeueAfterMs: fencedNames.length === replicas.filter((r) => !isReady(r)).length ? undefined : WORKING_REQUEUE_MS };
    }
    const restartPrimary = (): Progress => {
      if (cluster.spec.primaryUpdateStrategy === 'supervised') {
        return { phase: PHASE.waitingForUser, reason: `Primary ${current} needs a restart: run cnpg restart ${name} ${current}, or cnpg promote ${name} <replica>` };
      }
      actions.push({ kind: 'restartPostgres', name: current });
      actions.push({ kind: 'recordEvent', type: 'Normal', reason: 'RestartingPrimary', message: `Restarting primary ${current} in place to apply configuration` });
      return { phase: PHASE.restartingPrimary, requeueAfterMs: WORKING_REQUEUE_MS };
    };
    // A standby refuses to start below its primary's hot-standby-sensitive settings, so a decrease
    // reaches the primary first; anything else restarts the standbys first.
    if (primaryObs?.status?.pendingRestartForDecrease) return restartPrimary();
    const rolled = rollOutdated(current, primaryObs, replicas);
    if (rolled) return rolled;
    const pendingReplica = [...replicas].reverse().find((r) => r.status?.pendingRestart);
    if (pendingReplica) {
      actions.push({ kind: 'restartPostgres', name: pendingReplica.name });
      actions.push({ kind: 'recordEvent', type: 'Normal', reason: 'RestartingInstance', message: `Restarting ${pendingReplica.name} to apply configuration` });
      return { phase: PHASE.applyingConfiguration, requeueAfterMs: WORKING_REQUEUE_MS };
    }
    if (primaryObs?.status?.pendingRestart) return restartPrimary();
    if (build?.state === 'fetching') return { phase: PHASE.upgrading, reason: waitForBuild?.reason, requeueAfterMs: waitForBuild?.requeueAfterMs };
    return { phase: PHASE.healthy };
  }

  /**
   * A Pod-level field changed (platforms that record what an instance runs from): one instance is
   * recreated on its data at a time, standbys first; then the primary as primaryUpdateStrategy and
   * primaryUpdateMethod say: the user's word (supervised), a switchover to the most advanced
   * standby, or a recreation in place during which its absence is not a failure.
   */
  function rollOutdated(current: string, primaryObs: ObservedInstance | undefined, replicas: ObservedInstance[]): Progress | undefined {
    const standby = nextStandbyToRoll(replicas, fenced, wantedVersion);
    if (standby && !keepsSyncQuorum(cluster, replicas, standby, isReady)) {
      const quorum = synchronousQuorum(cluster);
      return { phase: PHASE.upgrading, reason: `Not recreating ${standby.name} (${outdatedBecause(standby, wantedVersion)}): it would leave fewer than ${quorum} synchronous standby(s) ready and block commits; add an instance, or set spec.postgresql.synchronous.dataDurability to preferred`, requeueAfterMs: 5000 };
    }
    if (standby) {
      const because = outdatedBecause(standby, wantedVersion);
      actions.push({ kind: 'stopInstance', name: standby.name });
      actions.push({ kind: 'recordEvent', type: 'Normal', reason: 'RollingUpdate', message: `Recreating ${standby.name}: ${because}` });
      stopping.add(standby.name);
      return { phase: PHASE.upgrading, reason: `Recreating ${standby.name}: ${because}`, requeueAfterMs: WORKING_REQUEUE_MS };
    }
    if (!primaryObs || !runsOutdatedSpec(primaryObs, wantedVersion) || fenced.has(current)) return undefined;
    const because = outdatedBecause(primaryObs, wantedVersion);
    if (cluster.spec.primaryUpdateStrategy === 'supervised') {
      return { phase: PHASE.waitingForUser, reason: `Primary ${current} needs recreating (${because}): run cnpg promote ${name} <replica>, and it is recreated as a standby` };
    }
    const target = cluster.spec.primaryUpdateMethod === 'switchover' ? chooseFailoverTarget(instances, new Set([current, ...fenced])) : undefined;
    if (target) {
      // Only a standby that streams is known to hold every write the primary acknowledged.
      if (!target.status?.isWalReceiverActive) return { phase: PHASE.upgrading, reason: `Waiting for ${target.name} to stream from ${current} before switching over to it`, requeueAfterMs: WORKING_REQUEUE_MS };
      actions.push({ kind: 'recordEvent', type: 'Normal', reason: 'Switchover', message: `Switching over to ${target.name} to recreate ${current} (${because})` });
      status.targetPrimary = target.name;
      status.targetPrimaryTimestamp = now;
      return { phase: PHASE.upgrading, reason: `Switching over to ${target.name} to recreate ${current}`, requeueAfterMs: WORKING_REQUEUE_MS };
    }
    actions.push({ kind: 'stopInstance', name: current });
    actions.push({ kind: 'recordEvent', type: 'Normal', reason: 'RollingUpdate', message: `Recreating primary ${current} on its data: ${because}` });
    stopping.add(current);
    return { phase: PHASE.recreatingPrimary, reason: `Recreating ${current}: ${because}`, requeueAfterMs: WORKING_REQUEUE_MS };
  }

  const ready = instances.filter((i) => isReady(i) && !fenced.has(i.name) && !stopping.has(i.name));
  // Held on uncertain evidence, the primary keeps -rw: a stalled manager must not become an outage.
  const replicaCluster = planReplicaCluster(cluster, instances.find((i) => i.name === primary), previous);
  delete status.demotionToken;
  delete status.lastPromotionToken;
  Object.assign(status, replicaCluster.fields);
  actions.push(...replicaCluster.actions);
  if (replicaCluster.progress && progress.phase === PHASE.healthy) progress = replicaCluster.progress;
  const writer = progress.rw ?? (ready.some((i) => i.name === primary && leads(i)) || (held && !held.certain) ? [primary] : []);
  actions.push({
    kind: 'routeEndpoints',
    rw: writer,
    ro: ready.filter((i) => i.name !== primary && !writer.includes(i.name)).map((i) => i.name),
    r: [...new Set([...writer, ...ready.filter((i) => i.name !== primary || writer.includes(i.name)).map((i) => i.name)])],
  });

  // Routing follows the managers, but a Cluster is Ready only once its Services reach every
  // instance: a client told so by `kubectl wait` must be able to connect.
  const awaitingPlatform = ready.filter((i) => i.platformReady === false).map((i) => i.name);
  if (progress.phase === PHASE.healthy && awaitingPlatform.length > 0) {
    progress = { phase: PHASE.waitingForInstances, reason: `not ready for their Pods yet (readiness probe): ${awaitingPlatform.join(', ')}`, requeueAfterMs: WORKING_REQUEUE_MS };
  }
  const healthy = progress.phase === PHASE.healthy;
  Object.assign(status, {
    phase: progress.phase,
    phaseReason: progress.reason || undefined,
    instances: instances.length,
    readyInstances: ready.length - awaitingPlatform.length,
    instanceNames: instances.map((i) => i.name),
    instancesStatus: {
      healthy: ready.map((i) => i.name),
      replicating: instances.filter((i) => i.running && !isReady(i)).map((i) => i.name),
      failed: instances.filter((i) => !i.running).map((i) => i.name),
    },
    instancesReportedState: Object.fromEntries(
      instances.filter((i) => i.status?.isPrimary !== undefined).map((i) => [i.name, { isPrimary: i.status?.isPrimary === true, timeLineID: i.status?.timeLineID }]),
    ),
    topology: { nodesUsed: new Set(instances.flatMap((i) => (i.node ? [i.node] : []))).size, successfullyExtracted: instances.every((i) => i.node !== undefined), ...failureDomainTopologyField(cluster, instances) },
    timelineID: instances.find((i) => i.name === primary)?.status?.timeLineID ?? previous.timelineID,
    systemID: instances.find((i) => i.name === primary)?.status?.systemID ?? previous.systemID,
    tablespacesStatus: instances.find((i) => i.name === primary)?.status?.tablespaces ?? previous.tablespacesStatus,
    conditions: [condition('Ready', healthy, ['ClusterIsReady', 'ClusterIsNotReady'], healthy ? 'Cluster is Ready' : progress.phase, previous.conditions, now)],
  } satisfies ClusterStatus);
  const primaryStatus = instances.find((i) => i.name === primary && i.status?.isPrimary)?.status;
  const backup = backupConditions(cluster, primaryStatus, observed.backups ?? [], previous, now);
  Object.assign(status, backup.fields);
  status.conditions = [...(status.conditions ?? []), ...backup.conditions];
  if (queriesReferences(cluster).length > 0) {
    const ok = queries.problems.length === 0;
    const message = ok ? 'The custom queries are loaded' : `${queries.problems.join('; ')}; the instances keep the last queries that worked`;
    const before = previous.conditions?.find((c) => c.type === 'MonitoringQueries');
    if (!ok && before?.message !== message) actions.push({ kind: 'recordEvent', type: 'Warning', reason: 'InvalidMonitoringQueries', message });
    status.conditions.push(condition('MonitoringQueries', ok, ['QueriesLoaded', 'QueriesNotLoaded'], message, previous.conditions, now));
  }
  if (hibernationCondition) status.conditions.push(hibernationCondition);
  const domains = failureDomainCondition(cluster, primary, { all: instances.map((i) => i.name).filter((n) => n !== primary), ready: ready.map((i) => i.name).filter((n) => n !== primary) }, placementOf(instances), previous.conditions, now);
  if (domains) status.conditions.push(domains);
  const podMonitor = planPodMonitor(cluster, observed.podMonitor);
  if (podMonitor.action) actions.push(podMonitor.action);
  if (podMonitor.condition) {
    const { ok, message } = podMonitor.condition;
    status.conditions.push(condition('PodMonitor', ok, ['PodMonitorCreated', 'PodMonitorCRDMissing'], message, previous.conditions, now));
  }
  recordVersion(instances.find((i) => i.name === primary));
  status.targetPrimary ??= primary;
  status.currentPrimary = primary;
  if (previous.currentPrimary !== primary && !status.currentPrimaryTimestamp) status.currentPrimaryTimestamp = now;
  const created = actions.flatMap((a) => (a.kind === 'createInstance' ? [a.serial] : []));
  status.latestGeneratedNode = Math.max(previous.latestGeneratedNode ?? 0, ...instances.map((i) => i.serial), ...created);
  return { actions, status, requeueAfterMs: progress.requeueAfterMs };
}
