// Glue for one Database object: observe (the object, its Cluster, rival objects, the database on
// the primary), decide with database-plan.ts, act through the primary's instance manager, and
// record the status. Looked at again every DATABASE_RESYNC_MS, so a database dropped or changed
// by hand is put back.
import { isDeepStrictEqual } from 'node:util';
import type { StoredCluster as Cluster } from '../api/cluster-status.js';
import type { DatabaseStatus } from '../api/database.js';
import { isReplicaCluster } from '../api/replica-cluster.js';
import type { ObservedDatabase } from '../postgres/database-sql.js';
import type { ReconcileResult } from './controller.js';
import { DATABASE_FINALIZER, databaseStatus, databaseStep, isCreate, observeRequest, planDatabase, type ClusterView, type StoredDatabase } from './database-plan.js';
import type { Platform } from './platform.js';

/** CloudNativePG's database reconciliation interval. */
export const DATABASE_RESYNC_MS = 30_000;
/** Sooner while waiting or after a failure: most are a primary or an owner role not there yet. */
const DATABASE_RETRY_MS = 5000;

export class DatabaseController {
  constructor(private readonly platform: Platform) {}

  async reconcile(namespace: string, name: string): Promise<ReconcileResult> {
    const { store } = this.platform;
    const database = (await store.get('Database', namespace, name)) as StoredDatabase | undefined;
    if (!database) return {};
    const cluster = (await store.get('Cluster', namespace, database.spec.cluster.name)) as Cluster | undefined;
    const others = (await store.list('Database', namespace)) as StoredDatabase[];
    const step = databaseStep(database, clusterView(cluster), others);
    switch (step.kind) {
      case 'addFinalizer':
        await store.patchMetadata('Database', namespace, name, { finalizers: [...(database.metadata.finalizers ?? []), DATABASE_FINALIZER] });
        return { requeueAfterMs: 0 };
      case 'finalize':
        if (step.drop && cluster) await this.drop(database, cluster, step.drop.primary);
        return this.release(database);
      case 'wait':
        await this.writeStatus(database, step.status);
        return { requeueAfterMs: DATABASE_RETRY_MS };
      case 'reconcile':
        return cluster ? this.reconcileOn(database, cluster, step.primary) : {};
      default: {
        const never: never = step;
        throw new Error(`unhandled step ${JSON.stringify(never)}`);
      }
    }
  }

  private async reconcileOn(database: StoredDatabase, cluster: Cluster, primary: string): Promise<ReconcileResult> {
    const status = await this.apply(database, cluster, primary);
    await this.writeStatus(database, status);
    return { requeueAfterMs: status.applied ? DATABASE_RESYNC_MS : DATABASE_RETRY_MS };
  }

  /** One pass against the primary; a database created in it is observed again for what goes inside. */
  private async apply(database: StoredDatabase, cluster: Cluster, primary: string): Promise<DatabaseStatus> {
    const { instances } = this.platform;
    let observed: ObservedDatabase;
    try {
      observed = await instances.observeDatabase(cluster, primary, observeRequest(database.spec));
    } catch (e) {
      return { ...database.status, observedGeneration: database.metadata.generation ?? 1, applied: false, message: `cannot reach the primary ${primary}: ${(e as Error).message}` };
    }
    let actions = planDatabase(database.spec, observed);
    let results = actions.length > 0 ? await instances.applyDatabase(cluster, primary, actions) : [];
    if (actions.some(isCreate) && results.every((r) => r.ok)) {
      await this.platform.events.record(database, 'Normal', 'DatabaseCreated', `created database ${JSON.stringify(database.spec.name)} on ${primary}`);
      observed = await instances.observeDatabase(cluster, primary, observeRequest(database.spec));
      actions = planDatabase(database.spec, observed);
      results = actions.length > 0 ? await instances.applyDatabase(cluster, primary, actions) : [];
    }
    const status = databaseStatus(database, observed, actions, results);
    if (!status.applied && status.message !== database.status?.message) await this.platform.events.record(database, 'Warning', 'DatabaseNotApplied', status.message ?? '');
    return status;
  }

  private async drop(database: StoredDatabase, cluster: Cluster, primary: string): Promise<void> {
    const [result] = await this.platform.instances.applyDatabase(cluster, primary, [{ kind: 'dropDatabase', database: database.spec.name }]);
    if (result && !result.ok) {
      await this.writeStatus(database, { ...database.status, applied: false, message: `cannot drop the database: ${result.error}` });
      throw new Error(`Database ${database.metadata.name}: cannot drop database ${database.spec.name}: ${result.error}`);
    }
    await this.platform.events.record(database, 'Normal', 'DatabaseDropped', `dropped database ${JSON.stringify(database.spec.name)} (databaseReclaimPolicy: delete)`);
  }

  /** Lets the object go: once its last finalizer is removed, the store deletes it (both platforms, as Kubernetes does). */
  private async release(database: StoredDatabase): Promise<ReconcileResult> {
    const namespace = database.metadata.namespace;
    const finalizers = (database.metadata.finalizers ?? []).filter((f) => f !== DATABASE_FINALIZER);
    if (finalizers.length !== (database.metadata.finalizers ?? []).length) await this.platform.store.patchMetadata('Database', namespace, database.metadata.name, { finalizers });
    return {};
  }

  private async writeStatus(database: StoredDatabase, status: DatabaseStatus): Promise<void> {
    if (!isDeepStrictEqual(status, database.status)) await this.platform.store.updateStatus('Database', database.metadata.namespace, database.metadata.name, status);
  }
}

function clusterView(cluster: Cluster | undefined): ClusterView {
  return {
    exists: cluster !== undefined,
    deleting: Boolean(cluster?.metadata.deletionTimestamp),
    currentPrimary: cluster?.status?.currentPrimary,
    targetPrimary: cluster?.status?.targetPrimary,
    replica: cluster !== undefined && isReplicaCluster(cluster),
  };
}
