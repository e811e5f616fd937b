// Cluster rules that span several fields. They run once every field has parsed on its own, so
// each rule can rely on types and defaults.
import type { z } from 'zod';
import type { clusterSpecSchema } from './cluster-spec.js';
import { msg, report } from './errors.js';
import { findDuplicates } from './common.js';
import { imageNameProblem, specMajor } from './image.js';
import { committedCatalogs } from './guc-catalogs.js';
import { checkParametersAgainst } from './guc-check.js';
import { OPERATOR_DEFAULT_PARAMETERS, parseWalSize } from './gucs.js';
import { serviceNames } from './names.js';
import { parseQuantity } from './quantity.js';
import { checkPrimaryLease } from './primary-lease.js';
import { checkReplica } from './replica-cluster.js';
import { checkClusterExtensions } from './cluster-extensions.js';
import { checkTablespaces } from './tablespaces.js';
import { hbaReferenceProblem } from './pod-selectors.js';
import { checkFailoverQuorumAnnotation } from './failover-quorum.js';
import { BARMAN_CLOUD_PLUGIN, checkPluginEntry } from './barman-plugin.js';

type Spec = z.infer<typeof clusterSpecSchema>;
type Ctx = z.RefinementCtx;
type Path = readonly PropertyKey[];

interface ParsedCluster {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: Spec;
}

const at = (...path: PropertyKey[]): Path => ['spec', ...path];

export function checkCluster(cluster: ParsedCluster, ctx: Ctx): void {
  const { spec } = cluster;
  checkImage(spec, ctx);
  checkParameterCatalog(spec, ctx);
  checkExternalClusterReferences(cluster, ctx);
  checkSynchronousReplication(spec, ctx);
  checkFailoverQuorumAnnotation(cluster, ctx);
  checkWalVolume(spec, ctx);
  checkManagedServices(cluster, ctx);
  checkPodSelectorRefs(spec, ctx);
  checkPlugins(spec, ctx);
  checkCapacity(spec, ctx);
  checkOwnerPassword(spec, ctx);
  checkEnvironment(spec, ctx);
  checkIsolationCheck(spec, ctx);
  checkPrimaryLease(spec.primaryLease, ctx);
  checkReplica(cluster, ctx);
  checkClusterExtensions(spec.postgresql.extensions ?? [], specMajor(spec), spec.imageCatalogRef !== undefined, ctx);
  if (spec.primaryUpdateStrategy === 'supervised' && spec.instances === 1) {
    report(ctx, at('primaryUpdateStrategy'), msg.supervisedSingleInstance());
  }
  // Clients verify a user's server certificate against the user's CA; the generated one never signed it.
  if (spec.certificates?.serverTLSSecret && !spec.certificates.serverCASecret) {
    report(ctx, at('certificates', 'serverCASecret'), msg.requires('serverTLSSecret', 'serverCASecret (the CA that signed it)'));
  }
  if (spec.serviceAccountName && spec.serviceAccountTemplate) {
    report(ctx, at('serviceAccountName'), msg.serviceAccountExclusive());
  }
  checkTablespaces(spec.tablespaces ?? [], ctx);
}

function checkImage(spec: Spec, ctx: Ctx): void {
  if (spec.imageName && spec.imageCatalogRef) {
    report(ctx, at('imageCatalogRef'), msg.mutuallyExclusive(['imageName', 'imageCatalogRef']));
  }
  const problem = spec.imageName ? imageNameProblem(spec.imageName) : undefined;
  if (problem) report(ctx, at('imageName'), problem);
}

// The cluster's major decides which parameters exist; the local control plane checks again
// against the installed server itself.
function checkParameterCatalog(spec: Spec, ctx: Ctx): void {
  const major = specMajor(spec);
  // Values of the wrong type are already refused (and may still be here when they were).
  const strings = Object.fromEntries(Object.entries(spec.postgresql.parameters).filter((entry) => typeof entry[1] === 'string'));
  for (const finding of checkParametersAgainst(strings, committedCatalogs(major))) {
    report(ctx, at('postgresql', 'parameters', finding.path), finding.message);
  }
}

function checkExternalClusterReferences(cluster: ParsedCluster, ctx: Ctx): void {
  const { spec } = cluster;
  const external = spec.externalClusters ?? [];
  for (const { index, first } of findDuplicates(external, (entry) => entry.name)) {
    report(ctx, at('externalClusters', index, 'name'), msg.duplicate('external cluster', external[index]?.name, first));
  }
  const names = external.map((entry) => entry.name);
  const mustExist = (name: string | undefined, path: Path) => {
    if (name !== undefined && !names.includes(name)) {
      report(ctx, path, msg.notDefinedIn(name, 'spec.externalClusters'), names);
    }
  };
  const { recovery, pg_basebackup: basebackup, initdb } = spec.bootstrap;
  mustExist(recovery?.source, at('bootstrap', 'recovery', 'source'));
  mustExist(basebackup?.source, at('bootstrap', 'pg_basebackup', 'source'));
  mustExist(initdb?.import?.source.externalCluster, at('bootstrap', 'initdb', 'import', 'source', 'externalCluster'));
  mustExist(spec.replica?.source, at('replica', 'source'));
  // self and primary name either this cluster or one of its peers in a distributed topology.
  for (const field of ['self', 'primary'] as const) {
    const name = spec.replica?.[field];
    if (name !== cluster.metadata.name) mustExist(name, at('replica', field));
  }

  const source = recovery?.source ? external.find((entry) => entry.name === recovery.source) : undefined;
  if (source && !source.barmanObjectStore && !source.plugin && !recovery?.volumeSnapshots) {
    report(ctx, at('bootstrap', 'recovery', 'source'), msg.recoverySourceWithoutStore(source.name));
  }
}

function checkSynchronousReplication(spec: Spec, ctx: Ctx): void {
  const { minSyncReplicas: min, maxSyncReplicas: max, instances } = spec;
  if (min > max) report(ctx, at('minSyncReplicas'), msg.minAboveMaxSync(min, max));
  if (max > 0 && max >= instances) report(ctx, at('maxSyncReplicas'), msg.maxSyncNotBelowInstances(max, instances));

  const sync = spec.postgresql.synchronous;
  if (!sync) return;
  if (min > 0 || max > 0) report(ctx, at('postgresql', 'synchronous'), msg.legacyAndNewSync());
  const available = instances + (sync.standbyNamesPre?.length ?? 0) + (sync.standbyNamesPost?.length ?? 0);
  if (sync.number >= available) report(ctx, at('postgresql', 'synchronous', 'number'), msg.syncNumberTooHigh(sync.number, available));
}

function checkWalVolume(spec: Spec, ctx: Ctx): void {
  const maxWal = spec.postgresql.parameters['max_wal_size'];
  const volume = spec.walStorage?.size ? spec.walStorage : spec.storage;
  const field = spec.walStorage?.size ? 'spec.walStorage.size' : 'spec.storage.size';
  if (maxWal === undefined || volume?.size === undefined) return;
  const maxBytes = parseWalSize(maxWal);
  const volumeBytes = parseQuantity(volume.size);
  if (maxBytes !== undefined && volumeBytes !== undefined && maxBytes >= volumeBytes) {
    report(ctx, at('postgresql', 'parameters', 'max_wal_size'), msg.maxWalAboveVolume(maxWal, volume.size, field));
  }
}

function checkManagedServices(cluster: ParsedCluster, ctx: Ctx): void {
  const reserved = [...Object.values(serviceNames(cluster.metadata.name)), `${cluster.metadata.name}-any`];
  cluster.spec.managed?.services?.additional?.forEach((service, index) => {
    const name = service.serviceTemplate.metadata.name;
    if (reserved.includes(name)) {
      report(ctx, at('managed', 'services', 'additional', index, 'serviceTemplate', 'metadata', 'name'), msg.reservedServiceName(name));
    }
    // The selector is the selectorType's, as CloudNativePG: the operator decides which instances a service reaches.
    if ((service.serviceTemplate.spec as { selector?: unknown } | undefined)?.selector !== undefined) {
      report(ctx, at('managed', 'services', 'additional', index, 'serviceTemplate', 'spec', 'selector'), msg.serviceSelectorManaged());
    }
  });
}

/** Selector names are unique, and every ${podselector:NAME} in pg_hba names one of them. */
function checkPodSelectorRefs(spec: Spec, ctx: Ctx): void {
  const refs = spec.podSelectorRefs ?? [];
  for (const { index, first } of findDuplicates(refs, (ref) => ref.name)) {
    report(ctx, at('podSelectorRefs', index, 'name'), msg.duplicate('pod selector', refs[index]?.name, first));
  }
  const known = new Set(refs.map((ref) => ref.name));
  (spec.postgresql.pg_hba ?? []).forEach((line, index) => {
    const problem = hbaReferenceProblem(line, known);
    if (problem) report(ctx, at('postgresql', 'pg_hba', index), msg.hbaLine(problem, line));
  });
}

function checkPlugins(spec: Spec, ctx: Ctx): void {
  const archivers = (spec.plugins ?? []).filter((plugin) => plugin.enabled && plugin.isWALArchiver);
  if (archivers.length > 1) report(ctx, at('plugins'), msg.pluginWalArchivers());
  if (archivers.length > 0 && spec.backup?.barmanObjectStore) report(ctx, at('plugins'), msg.pluginArchiverWithBarman());
  (spec.plugins ?? []).forEach((plugin, index) => {
    checkPluginEntry(plugin, at('plugins', index), ctx, true);
    if (plugin.name === BARMAN_CLOUD_PLUGIN && plugin.enabled && !plugin.isWALArchiver) report(ctx, at('plugins', index, 'isWALArchiver'), msg.pluginWithoutWalArchiver());
  });
  (spec.externalClusters ?? []).forEach((external, index) => {
    if (!external.plugin) return;
    checkPluginEntry(external.plugin, at('externalClusters', index, 'plugin'), ctx, true);
    if (external.barmanObjectStore) report(ctx, at('externalClusters', index, 'plugin'), msg.mutuallyExclusive(['barmanObjectStore', 'plugin']));
  });
}

/** An absolute ceiling: beyond it a typo (an extra zero) would fork servers by the thousand. */
/** The variables the operator sets in an instance's container, which a user's would shadow (CloudNativePG's list, and POD_IP). */
export function isReservedEnvironmentVariable(name: string): boolean {
  const upper = name.toUpperCase();
  return upper.startsWith('CNPG_') || upper.startsWith('PG') || ['POD_NAME', 'POD_IP', 'NAMESPACE', 'CLUSTER_NAME'].includes(upper);
}

function checkEnvironment(spec: Spec, ctx: Ctx): void {
  (spec.env ?? []).forEach((entry, index) => {
    if (typeof entry.name === 'string' && isReservedEnvironmentVariable(entry.name)) report(ctx, at('env', index, 'name'), msg.reservedEnvironmentVariable(entry.name));
  });
}

// spec.probes is handed to Kubernetes as it is, except the isolation check, which the manager reads.
function checkIsolationCheck(spec: Spec, ctx: Ctx): void {
  const check = (spec.probes?.liveness as { isolationCheck?: unknown } | undefined)?.isolationCheck;
  if (check === undefined) return;
  const path = (...rest: string[]) => at('probes', 'liveness', 'isolationCheck', ...rest);
  if (typeof check !== 'object' || check === null || Array.isArray(check)) {
    report(ctx, path(), msg.isolationCheckShape());
    return;
  }
  for (const [key, value] of Object.entries(check)) {
    if (key === 'enabled') {
      if (typeof value !== 'boolean') report(ctx, path(key), msg.isolationCheckShape());
    } else if (key === 'requestTimeout' || key === 'connectionTimeout') {
      if (!Number.isInteger(value) || (value as number) < 1) report(ctx, path(key), msg.isolationCheckTimeout(value));
    } else {
      report(ctx, path(key), msg.isolationCheckShape());
    }
  }
}

export const MAX_INSTANCES = 100;
// PostgreSQL's own default; the operator does not override it.
const DEFAULT_MAX_WAL_SENDERS = 10;

/** Every standby holds a WAL sender (and, with HA slots, a slot) on the primary. */
function checkCapacity(spec: Spec, ctx: Ctx): void {
  if (spec.instances > MAX_INSTANCES) {
    report(ctx, at('instances'), msg.tooManyInstances(MAX_INSTANCES));
    return;
  }
  const setting = (name: string, fallback: number) => {
    const value = Number(spec.postgresql.parameters[name] ?? fallback);
    return Number.isInteger(value) ? value : undefined;
  };
  const senders = setting('max_wal_senders', DEFAULT_MAX_WAL_SENDERS);
  if (senders !== undefined && spec.instances > senders) report(ctx, at('instances'), msg.walSendersForInstances(spec.instances, senders));
  const slots = setting('max_replication_slots', Number(OPERATOR_DEFAULT_PARAMETERS.max_replication_slots));
  if (spec.replicationSlots.highAvailability.enabled && slots !== undefined && spec.instances - 1 > slots) {
    report(ctx, at('instances'), msg.slotsForInstances(spec.instances, slots));
  }
}

function checkOwnerPassword(spec: Spec, ctx: Ctx): void {
  const initdb = spec.bootstrap.initdb;
  const initdbSecret = initdb?.secret?.name;
  if (!initdb || initdbSecret === undefined) return;
  const owner = initdb.owner ?? initdb.database ?? 'app';
  (spec.managed?.roles ?? []).forEach((role, index) => {
    const roleSecret = role.passwordSecret?.name;
    if (role.name === owner && roleSecret !== undefined && roleSecret !== initdbSecret) {
      report(ctx, at('managed', 'roles', index, 'passwordSecret'), msg.ownerPasswordTwice(role.name, initdbSecret, roleSecret));
    }
  });
}
