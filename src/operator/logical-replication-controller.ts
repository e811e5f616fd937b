// Glue for one Publication or Subscription: observe (the object, its Cluster, a Subscription's
// externalClusters entry), decide with planLogicalReplication, act through the store and the
// primary's instance manager.
import { isDeepStrictEqual } from 'node:util';
import type { StoredCluster } from '../api/cluster-status.js';
import type { LogicalReplicationStatus } from '../api/index.js';
import type { LogicalReplicationAnswer } from '../instance/logical-replication.js';
import type { ReconcileResult } from './controller.js';
import { resolveExternalConnection } from './external-clusters.js';
import { FINALIZERS, planLogicalReplication, REAPPLY_MS, statusAfter, type LogicalObject, type LogicalPlanInput } from './logical-replication-plan.js';
import type { Platform } from './platform.js';

/** Waiting for a primary, or after a failure: sooner than the steady re-apply. */
const RETRY_MS = 5000;

export class LogicalReplicationController {
  constructor(
    private readonly platform: Platform,
    private readonly kind: 'Publication' | 'Subscription',
  ) {}

  async reconcile(namespace: string, name: string): Promise<ReconcileResult> {
    const { store } = this.platform;
    const object = (await store.get(this.kind, namespace, name)) as LogicalObject | undefined;
    if (!object) return {};
    const plan = planLogicalReplication(await this.observe(object, namespace));
    switch (plan.kind) {
      case 'addFinalizer':
        await store.patchMetadata(this.kind, namespace, name, { finalizers: [...(object.metadata.finalizers ?? []), FINALIZERS[this.kind]] });
        return { requeueAfterMs: 0 };
      case 'release':
        await this.release(object);
        return {};
      case 'wait':
        await this.writeStatus(object, plan.status);
        return { requeueAfterMs: RETRY_MS };
      case 'call': {
        const cluster = (await store.get('Cluster', namespace, object.spec.cluster.name)) as StoredCluster;
        const answer: LogicalReplicationAnswer = await this.platform.instances
          .logicalReplication(cluster, plan.instance, plan.request)
          .catch((e: unknown) => ({ applied: false, message: (e as Error).message }));
        if (plan.then === 'release' && answer.applied) {
          await this.release(object);
          return {};
        }
        await this.writeStatus(object, statusAfter(object, answer));
        return { requeueAfterMs: answer.applied ? REAPPLY_MS : RETRY_MS };
      }
      default: {
        const never: never = plan;
        throw new Error(`unhandled plan ${JSON.stringify(never)}`);
      }
    }
  }

  private async observe(object: LogicalObject, namespace: string): Promise<LogicalPlanInput> {
    const found = (await this.platform.store.get('Cluster', namespace, object.spec.cluster.name)) as StoredCluster | undefined;
    const cluster = found && !found.metadata.deletionTimestamp ? found : undefined;
    if (object.kind !== 'Subscription' || !cluster || object.metadata.deletionTimestamp) return { object, cluster };
    const source = await resolveExternalConnection(this.platform.store, cluster, object.spec.externalClusterName).catch((e: unknown) => ({ error: (e as Error).message }));
    return { object, cluster, source };
  }

  private async release(object: LogicalObject): Promise<void> {
    const finalizers = (object.metadata.finalizers ?? []).filter((f) => f !== FINALIZERS[this.kind]);
    await this.platform.store.patchMetadata(this.kind, object.metadata.namespace, object.metadata.name, { finalizers });
  }

  private async writeStatus(object: LogicalObject, status: LogicalReplicationStatus): Promise<void> {
    if (!isDeepStrictEqual(status, object.status)) await this.platform.store.updateStatus(this.kind, object.metadata.namespace, object.metadata.name, status);
  }
}
