// Glue for Backups and ScheduledBackups: observe through the platform, plan (pure), act.
import { isDeepStrictEqual } from 'node:util';
import type { StoredBackup } from '../api/backup.js';
import type { StoredCluster as Cluster } from '../api/cluster-status.js';
import type { KubeObject } from '../api/meta.js';
import { planBackup, type BackupAction } from './backup-plan.js';
import type { ReconcileResult } from './controller.js';
import type { Platform } from './platform.js';
import { BackupVerifier } from './verification-controller.js';
import { reconcileSnapshotBackup } from './snapshot-backup-controller.js';
import { withPluginStores } from './plugin-stores.js';
import { planScheduledBackup, type StoredScheduledBackup } from './scheduled-backup-plan.js';

export class BackupController {
  private readonly verifier: BackupVerifier;

  constructor(
    private readonly platform: Platform,
    /** The Cluster's LastBackupSucceeded condition follows its Backups. */
    private readonly requeueCluster: (namespace: string, name: string) => void,
  ) {
    this.verifier = new BackupVerifier(platform, requeueCluster);
  }

  async reconcile(namespace: string, name: string): Promise<ReconcileResult> {
    const { store, instances, events } = this.platform;
    const backup = (await store.get('Backup', namespace, name)) as StoredBackup | undefined;
    if (!backup) return {};
    await this.verifier.reconcile(backup);
    const phase = backup.status?.phase;
    if (phase === 'completed' || phase === 'failed') return {};
    const stored = (await store.get('Cluster', namespace, backup.spec.cluster.name)) as Cluster | undefined;
    const cluster = stored && (await withPluginStores(store, stored)).cluster;
    const observed = cluster ? await instances.observe(cluster) : [];
    if (backup.spec.method === 'volumeSnapshot') return reconcileSnapshotBackup(this.platform, backup, cluster, observed, () => this.requeueCluster(namespace, backup.spec.cluster.name));
    const podName = backup.status?.instanceID?.podName;
    const running = phase === 'running' && cluster && podName && observed.some((i) => i.name === podName && i.running);
    const report = running ? await instances.backupReport(cluster, podName, name).catch(() => undefined) : undefined;
    const plan = planBackup({ backup, cluster, instances: observed, report, now: new Date() });
    let status = plan.status;
    let event = plan.event;
    for (const action of plan.actions) {
      try {
        await this.act(cluster!, action);
      } catch (e) {
        if (action.kind !== 'startBackup') continue;
        const error = `could not start the backup on ${action.instance}: ${(e as Error).message}`;
        status = { ...status, phase: 'failed', error, stoppedAt: new Date().toISOString() };
        event = { type: 'Warning', reason: 'BackupFailed', message: error };
      }
    }
    if (event) await events.record(backup, event.type, event.reason, event.message);
    if (!isDeepStrictEqual(status, backup.status)) await store.updateStatus('Backup', namespace, name, status);
    if (cluster && status.phase !== phase) this.requeueCluster(namespace, cluster.metadata.name);
    return { requeueAfterMs: status.phase === 'completed' || status.phase === 'failed' ? undefined : plan.requeueAfterMs };
  }

  private async act(cluster: Cluster, action: BackupAction): Promise<void> {
    const { instances } = this.platform;
    switch (action.kind) {
      case 'startBackup':
        await instances.startBackup(cluster, action.instance, { backupName: action.backupName, immediateCheckpoint: action.immediateCheckpoint, jobs: action.jobs });
        return;
      case 'refreshCatalog':
        await instances.refreshCatalog(cluster, action.instance);
        return;
      default: {
        const never: never = action;
        throw new Error(`unhandled action ${JSON.stringify(never)}`);
      }
    }
  }
}

export class ScheduledBackupController {
  constructor(private readonly platform: Platform) {}

  async reconcile(namespace: string, name: string): Promise<ReconcileResult> {
    const { store, events } = this.platform;
    const sb = (await store.get('ScheduledBackup', namespace, name)) as StoredScheduledBackup | undefined;
    if (!sb) return {};
    const cluster = await store.get('Cluster', namespace, sb.spec.cluster.name);
    const plan = planScheduledBackup(sb, cluster, new Date());
    if (plan.create && !(await store.get('Backup', namespace, plan.create.metadata.name))) {
      await store.put(plan.create as unknown as KubeObject);
      await events.record(sb, 'Normal', 'BackupScheduled', `Created Backup ${plan.create.metadata.name}`);
    }
    if (!isDeepStrictEqual(plan.status, sb.status)) await store.updateStatus('ScheduledBackup', namespace, name, plan.status);
    return { requeueAfterMs: plan.requeueAfterMs };
  }
}

/** Kubernetes-style garbage collection: objects whose owner is gone go too. */
export async function collectOrphans(platform: Platform, kinds: string[]): Promise<string[]> {
  const { store } = platform;
  const deleted: string[] = [];
  for (const kind of kinds) {
    for (const obj of await store.list(kind)) {
      const owners = obj.metadata.ownerReferences ?? [];
      if (owners.length === 0) continue;
      let alive = false;
      for (const ref of owners) {
        const owner = await store.get(ref.kind, obj.metadata.namespace, ref.name);
        if (owner && (!ref.uid || owner.metadata.uid === ref.uid)) alive = true;
      }
      if (!alive) {
        await store.delete(kind, obj.metadata.namespace, obj.metadata.name);
        deleted.push(`${kind}/${obj.metadata.name}`);
      }
    }
  }
  return deleted;
}
