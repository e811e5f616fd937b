// Glue for one Cluster: observe through the platform, decide with planCluster, act through the platform.
import { isDeepStrictEqual } from 'node:util';
import { withInheritedMetadata } from '../api/inherited-metadata.js';
import type { Pooler } from '../api/index.js';
import { versionFromImageName } from '../api/image.js';
import { catalogImage, wantedVersion } from './postgres-version.js';
import { withCatalogExtensions } from './catalog-extensions.js';
import { withPluginStores } from './plugin-stores.js';
import { reportPluginStores } from './plugin-store-report.js';
import type { ClusterStatus, StoredCluster as Cluster } from '../api/cluster-status.js';
import { credentialsHash, generatePassword, readSecretValues, resolveCredentials } from './credentials.js';
import { issueCertificate, observeCertificates } from './certificate-secrets.js';
import { generatedSecretNames } from './generated-secrets.js';
import { planCluster } from './decide.js';
import { statusAfterFailure } from './status-after-failure.js';
import { credentialSecretUpdate } from './credential-secret-update.js';
import { handout } from './instance-handout.js';
import { observePodSelectors, POD_SELECTOR_REFRESH_MS, withPodSelectors } from './pod-selectors.js';
import type { EndpointAddresses, Platform } from './platform.js';
import { credentialSecret, decodeData } from './secrets.js';
import type { Action, ClusterCredentials, ObservedBackup, ObservedCluster, ResolvedQueries } from './types.js';
import type { StoredBackup } from '../api/backup.js';
import { backupLocationOf, recoveryBootstrap, type BackupLocation } from './stores.js';
import { snapshotBootstrap } from './snapshot-bootstrap.js';
import { usesBuiltinAuth } from './pooler-handout.js';
import type { MonitoringQuery } from '../api/monitoring-queries.js';
import { defaultQueries, queriesReferences, resolveQueries, type QueriesDocument, type QueriesReference } from './monitoring.js';
import { LeaseWatch } from './lease-watch.js';

/** What a user changed in an operator-kept credentials Secret besides its password, if anything. */
export interface ReconcileResult {
  requeueAfterMs?: number;
}

export class ClusterController {
  /** What happened before this controller started, it did not see: evidence counts from here. */
  private readonly startedAt = new Date();
  private readonly leases = new LeaseWatch();
  /** Per Cluster, the queries of its last usable documents: they keep running while a document is broken. */
  private readonly lastGoodQueries = new Map<string, MonitoringQuery[]>();

  constructor(private readonly platform: Platform) {
    // Parsing the default query set takes tens of milliseconds: at start, not in a first reconcile.
    defaultQueries();
  }

  async reconcile(namespace: string, name: string): Promise<ReconcileResult> {
    const obj = await this.platform.store.get('Cluster', namespace, name);
    if (!obj) return {};
    if (obj.metadata.deletionTimestamp) {
      await this.finalize(obj as Cluster);
      return {};
    }
    const { store, instances, endpoints } = this.platform;
    // The Barman Cloud plugin's form read as barmanObjectStore: the code below knows only that one.
    const plugin = await withPluginStores(store, await withCatalogExtensions(store, obj as Cluster));
    const cluster = plugin.cluster;
    // The image recorded for the Cluster also pins its version: a new operator default changes neither.
    const recorded = cluster.status?.image;
    const wanted = wantedVersion(cluster, await catalogImage(store, cluster)) ?? (recorded ? versionFromImageName(recorded) : undefined) ?? { major: instances.defaultMajor() };
    const major = wanted.major;
    const secretObjects = await store.list('Secret', namespace);
    const secrets = new Set(secretObjects.map((s) => s.metadata.name));
    const backupLocation = await this.recoveryBackupLocation(cluster);
    const addresses = await endpoints.addresses(cluster);
    // Secrets not made yet (a new cluster) leave credentials unknown until the secret actions ran.
    let creds: ClusterCredentials | undefined = await resolveCredentials(store, cluster, backupLocation).catch(() => undefined);
    const observed: ObservedCluster = {
      instances: await instances.observe(cluster),
      keptSerials: await instances.keptSerials?.(cluster),
      secrets,
      now: new Date(),
      observingSince: this.startedAt,
      // Read only while the primary is failing: its expiry may stand in for witnesses (failure-witness.ts).
      primaryLease: this.leases.observe(`${namespace}/${name}`, cluster.status?.currentPrimaryFailingSinceTimestamp ? await instances.primaryLease?.(cluster).catch(() => undefined) : undefined),
      credentialsHash: creds && credentialsHash(creds),
      recovery: cluster.spec.bootstrap?.recovery?.volumeSnapshots
        ? snapshotBootstrap(cluster, this.platform.snapshots !== undefined)
        : cluster.spec.bootstrap?.recovery ? recoveryBootstrap(cluster, backupLocation) : undefined,
      backups: await this.observeBackups(cluster),
      certificates: await observeCertificates(cluster, secretObjects),
      endpointHosts: [...new Set(Object.values(addresses).map((a) => a.host))],
      defaultImage: instances.defaultImage(),
      poolerIntegration: await this.poolerIntegration(cluster),
      monitoring: await this.monitoringQueries(cluster),
      podMonitor: await this.platform.podMonitors?.observe(cluster),
      // Locally a first fetch of the build takes seconds: it runs in the background, the plan waits for it.
      postgresBuild: await instances.postgresBuild?.(wanted),
    };
    const selectors = await observePodSelectors(this.platform, cluster);
    const plan = planCluster(withPodSelectors(cluster, selectors), observed, major);
    let status: ClusterStatus = { ...plan.status, localEndpoints: addresses };
    const credentials = async () => (creds ??= await resolveCredentials(store, cluster, backupLocation));
    let failure: Error | undefined;
    const done: Action[] = [];
    try {
      for (const action of plan.actions) {
        await this.act(cluster, action, addresses, credentials);
        done.push(action);
        // Instances configured later in this plan must get the certificate just issued, not the one it replaces.
        if (action.kind === 'issueCertificate') creds = undefined;
      }
      await this.platform.inheritedMetadata?.apply(cluster);
    } catch (e) {
      failure = e as Error;
      status = { ...statusAfterFailure(cluster.status ?? {}, plan.status, done, failure.message), localEndpoints: addresses };
      await this.platform.events.record(cluster, 'Warning', 'ReconcileError', failure.message);
    }
    status = await reportPluginStores(this.platform, plugin, status);
    // Rebased on the status read: a status.targetPrimary written meanwhile (CloudNativePG's plugin) stays.
    if (!isDeepStrictEqual(status, cluster.status)) await store.updateStatus('Cluster', namespace, name, status, cluster.status ?? {});
    // Thrown after the status says why: the work queue retries the Cluster with a growing delay.
    if (failure) throw failure;
    return { requeueAfterMs: selectors ? Math.min(plan.requeueAfterMs ?? POD_SELECTOR_REFRESH_MS, POD_SELECTOR_REFRESH_MS) : plan.requeueAfterMs };
  }

  /** bootstrap.recovery.backup names a Backup; where it went is in its status once it completed. */
  private async recoveryBackupLocation(cluster: Cluster): Promise<BackupLocation | undefined> {
    const name = cluster.spec.bootstrap?.recovery?.backup?.name;
    if (!name) return undefined;
    const backup = (await this.platform.store.get('Backup', cluster.metadata.namespace, name)) as StoredBackup | undefined;
    return backup?.status && backupLocationOf(backup.status);
  }

  private async monitoringQueries(cluster: Cluster): Promise<ResolvedQueries> {
    const documents = await Promise.all(queriesReferences(cluster).map((ref) => this.queriesDocument(cluster.metadata.namespace, ref)));
    const key = `${cluster.metadata.namespace ?? 'default'}/${cluster.metadata.name}`;
    const resolved = resolveQueries(cluster, documents, this.lastGoodQueries.get(key));
    if (resolved.problems.length === 0) this.lastGoodQueries.set(key, resolved.queries);
    return resolved;
  }

  private async queriesDocument(namespace: string | undefined, ref: QueriesReference): Promise<QueriesDocument> {
    const obj = await this.platform.store.get(ref.kind, namespace, ref.name);
    if (!obj) return { ...ref, missing: 'object' };
    const text = ref.kind === 'Secret' ? decodeData(obj)[ref.key] : (obj as { data?: Record<string, string> }).data?.[ref.key];
    return text === undefined ? { ...ref, missing: 'key' } : { ...ref, text };
  }

  /** CloudNativePG keeps the pooler's role and certificate while a Pooler with built-in authentication names the Cluster. */
  private async poolerIntegration(cluster: Cluster): Promise<boolean> {
    return (await this.poolersOf(cluster)).some((p) => !p.metadata.deletionTimestamp && usesBuiltinAuth(p));
  }

  private async poolersOf(cluster: Cluster): Promise<Pooler[]> {
    const poolers = (await this.platform.store.list('Pooler', cluster.metadata.namespace)) as Pooler[];
    return poolers.filter((p) => p.spec.cluster.name === cluster.metadata.name);
  }

  private async observeBackups(cluster: Cluster): Promise<ObservedBackup[]> {
    if (!cluster.spec.backup) return [];
    const all = (await this.platform.store.list('Backup', cluster.metadata.namespace)) as StoredBackup[];
    return all
      .filter((b) => b.spec.cluster.name === cluster.metadata.name)
      .sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''))
      .map((b) => ({ name: b.metadata.name, phase: b.status?.phase, error: b.status?.error, stoppedAt: b.status?.stoppedAt, verification: b.status?.verification }));
  }

  private async act(cluster: Cluster, action: Action, addresses: EndpointAddresses, credentials: () => Promise<ClusterCredentials>): Promise<void> {
    const { store, instances, endpoints, events } = this.platform;
    switch (action.kind) {
      case 'ensureSecret':
        return this.ensureSecret(cluster, action, addresses);
      case 'deleteSecret':
        await store.delete('Secret', cluster.metadata.namespace, action.name);
        return;
      case 'issueCertificate':
        return issueCertificate(store, cluster, action);
      case 'createInstance':
        return instances.create(cluster, action.name, action.serial, handout(action.config, await credentials()));
      case 'configureInstance':
        return instances.configure(cluster, action.name, handout(action.config, await credentials()));
      case 'startInstance':
        return instances.start(cluster, action.name, handout(action.config, await credentials()));
      case 'restartPostgres':
        return instances.restartPostgres(cluster, action.name);
      case 'stopInstance':
        return instances.stop(cluster, action.name);
      case 'removeInstance':
        return instances.remove(cluster, action.name, { keepData: action.keepData });
      case 'upgradeMajor':
        return instances.upgradeMajor(cluster, action.name, handout(action.config, await credentials()), action.generation);
      case 'resizeVolume':
        return instances.resizeVolume?.(cluster, action.name, action.role, action.size, action.tablespace);
      case 'routeEndpoints':
        return endpoints.route(cluster, { rw: action.rw, ro: action.ro, r: action.r });
      case 'recordEvent':
        return events.record(cluster, action.type, action.reason, action.message);
      case 'isolateInstance':
        return instances.isolate(cluster, action.name);
      case 'promoteInstance':
        return instances.promote(cluster, action.name, handout(action.config, await credentials()));
      case 'switchover': {
        const lsn = await instances.demote(cluster, action.from, handout(action.fromConfig, await credentials()));
        return instances.promote(cluster, action.to, handout(action.toConfig, await credentials()), lsn);
      }
      case 'applyPodMonitor':
        return this.platform.podMonitors?.apply(cluster);
      case 'removePodMonitor':
        return this.platform.podMonitors?.remove(cluster);
      case 'clearAnnotation':
        await store.patchMetadata('Cluster', cluster.metadata.namespace, cluster.metadata.name, { annotations: { [action.key]: null } });
        return;
      case 'setAnnotation':
        await store.patchMetadata('Cluster', cluster.metadata.namespace, cluster.metadata.name, { annotations: { [action.key]: action.value } });
        return;
      default: {
        const never: never = action;
        throw new Error(`unhandled action ${JSON.stringify(never)}`);
      }
    }
  }

  private async ensureSecret(cluster: Cluster, a: Extract<Action, { kind: 'ensureSecret' }>, addresses: EndpointAddresses): Promise<void> {
    const { store } = this.platform;
    const namespace = cluster.metadata.namespace ?? 'default';
    const existing = await store.get('Secret', namespace, a.name);
    let username = a.username;
    let password: string | undefined;
    if (a.sourceSecret) {
      const source = await readSecretValues(store, namespace, a.sourceSecret);
      if (!source?.password) throw new Error(`secret ${a.sourceSecret} (named by the Cluster) is missing or has no "password" key`);
      password = source.password;
      username = source.username ?? username;
    } else {
      password = existing ? decodeData(existing).password : undefined;
    }
    const own = credentialSecret({
      cluster: cluster.metadata.name,
      namespace,
      name: a.name,
      userType: a.role,
      username,
      password: password ?? generatePassword(),
      dbname: a.dbname,
      rw: addresses.rw,
    });
    const { write, drift } = credentialSecretUpdate(existing, own, withInheritedMetadata(cluster, own));
    if (drift) {
      await this.platform.events.record(cluster, 'Warning', 'SecretReconciled', `Secret ${a.name} is kept by the operator: ${drift} put back (only its password may be changed, which rotates the role's password)`);
    }
    if (write) await store.put(write);
  }

  private async finalize(cluster: Cluster): Promise<void> {
    const { store, instances, endpoints } = this.platform;
    for (const inst of await instances.observe(cluster)) await instances.remove(cluster, inst.name);
    // The Poolers stay, waiting for a Cluster of that name; what ran for them goes with the Cluster
    // (locally their PgBouncers run as its operating-system user, which is released next).
    for (const pooler of await this.poolersOf(cluster)) await this.platform.poolers?.remove(pooler);
    await instances.release?.(cluster);
    await endpoints.remove(cluster);
    for (const secret of generatedSecretNames(cluster)) await store.delete('Secret', cluster.metadata.namespace, secret);
    await store.delete('Cluster', cluster.metadata.namespace, cluster.metadata.name);
    this.lastGoodQueries.delete(`${cluster.metadata.namespace ?? 'default'}/${cluster.metadata.name}`);
  }
}
