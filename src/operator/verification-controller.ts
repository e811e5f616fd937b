// Glue for restore drills: a Backup whose annotation asks for a drill (verification-plan.ts) has
// it run by the platform in the background (a drill takes minutes; the work queue must not wait),
// then its status.verification written, an Event recorded on the Cluster and the Cluster requeued
// for its BackupVerified condition.
import type { StoredBackup } from '../api/backup.js';
import type { BackupVerification, VerificationRequest } from '../api/backup-verification.js';
import type { StoredCluster as Cluster } from '../api/cluster-status.js';
import type { Platform } from './platform.js';
import { resolveStoreSecrets } from './store-secrets.js';
import { storeSpec, type BackupLocation } from './stores.js';
import type { DrillOrder } from './restore-drill-runtime.js';
import { planVerification, verificationEvent, verificationFromOutcome } from './verification-plan.js';

/** How long a drill may take before the platform stops it. */
export const DRILL_TIMEOUT_MS = 60 * 60_000;

export class BackupVerifier {
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly platform: Platform,
    private readonly requeueCluster: (namespace: string, name: string) => void,
  ) {}

  async reconcile(backup: StoredBackup): Promise<void> {
    const namespace = backup.metadata.namespace ?? 'default';
    const key = `${namespace}/${backup.metadata.name}`;
    const step = planVerification(backup, this.inFlight.has(key));
    switch (step.kind) {
      case 'none':
      case 'wait':
        return;
      case 'record':
        await this.finish(backup, step.verification);
        return;
      case 'run':
        this.inFlight.add(key);
        void this.drill(backup, step.request).finally(() => this.inFlight.delete(key));
        return;
      default: {
        const never: never = step;
        throw new Error(`unhandled step ${JSON.stringify(never)}`);
      }
    }
  }

  private async drill(backup: StoredBackup, request: VerificationRequest): Promise<void> {
    const startedAt = new Date().toISOString();
    let verification: BackupVerification;
    try {
      await this.write(backup, { phase: 'running', requestedAt: request.requestedAt, startedAt });
      const drills = this.platform.drills;
      if (!drills) throw new Error('restore drills are not available on this platform yet');
      const cluster = await this.cluster(backup);
      if (!cluster) throw new Error(`cluster ${backup.spec.cluster.name} does not exist`);
      const order = await this.order(backup, cluster, request);
      const outcome = await drills.run(cluster, order);
      verification = verificationFromOutcome(request, startedAt, new Date().toISOString(), outcome);
    } catch (e) {
      verification = { phase: 'failed', requestedAt: request.requestedAt, startedAt, stoppedAt: new Date().toISOString(), error: `restore: ${(e as Error).message}` };
    }
    // Unrecorded, the status still says running for this request with no drill in flight: the
    // next reconcile of the Backup runs it again.
    await this.finish(backup, verification).catch(() => undefined);
  }

  private async order(backup: StoredBackup, cluster: Cluster, request: VerificationRequest): Promise<DrillOrder> {
    const s = backup.status ?? {};
    if (!s.destinationPath || !s.backupId) throw new Error(`Backup ${backup.metadata.name} records no destinationPath or backupId`);
    const location = { destinationPath: s.destinationPath, endpointURL: s.endpointURL, s3Credentials: s.s3Credentials as BackupLocation['s3Credentials'], endpointCA: s.endpointCA as BackupLocation['endpointCA'] };
    const namespace = backup.metadata.namespace ?? 'default';
    const fromCluster = cluster.spec.backup?.barmanObjectStore;
    return {
      backupName: backup.metadata.name,
      backupId: s.backupId,
      source: storeSpec({ ...fromCluster, ...location }, s.serverName ?? cluster.metadata.name),
      secrets: await resolveStoreSecrets(this.platform.store, namespace, location, `Backup ${backup.metadata.name} status`),
      major: s.majorVersion,
      defaultDatabase: cluster.spec.bootstrap?.initdb?.database ?? cluster.spec.bootstrap?.recovery?.database ?? 'app',
      counts: request.counts ?? [],
      timeoutMs: DRILL_TIMEOUT_MS,
    };
  }

  private async cluster(backup: StoredBackup): Promise<Cluster | undefined> {
    return (await this.platform.store.get('Cluster', backup.metadata.namespace, backup.spec.cluster.name)) as Cluster | undefined;
  }

  /** Writes status.verification onto the Backup as it is now, keeping every other status field. */
  private async write(backup: StoredBackup, verification: BackupVerification): Promise<void> {
    const { store } = this.platform;
    const current = ((await store.get('Backup', backup.metadata.namespace, backup.metadata.name)) as StoredBackup | undefined) ?? backup;
    await store.updateStatus('Backup', backup.metadata.namespace, backup.metadata.name, { ...current.status, verification });
  }

  private async finish(backup: StoredBackup, verification: BackupVerification): Promise<void> {
    await this.write(backup, verification);
    const cluster = await this.cluster(backup);
    if (!cluster) return;
    const event = verificationEvent(backup.metadata.name, verification);
    await this.platform.events.record(cluster, event.type, event.reason, event.message);
    this.requeueCluster(cluster.metadata.namespace ?? 'default', cluster.metadata.name);
  }
}
