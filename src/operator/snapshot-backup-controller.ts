// Glue for Backups with method volumeSnapshot: plan (snapshot-backup-plan.ts), then run the steps
// through the platform. The steps run within this reconcile: the Backup is marked running first,
// so that a run cut short (the operator stopped) is found, released and failed by the next one.
import { isDeepStrictEqual } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StoredBackup } from '../api/backup.js';
import type { StoredCluster as Cluster } from '../api/cluster-status.js';
import { ANNOTATIONS } from '../api/names.js';
import { fencedInstances } from './failover.js';
import type { Platform } from './platform.js';
import { planSnapshotBackup, release, runSnapshotBackup, type SnapshotOps } from './snapshot-backup-plan.js';
import type { ObservedInstance } from './types.js';
import type { ReconcileResult } from './controller.js';

const FENCE_TIMEOUT_MS = 120_000;

export async function reconcileSnapshotBackup(platform: Platform, backup: StoredBackup, cluster: Cluster | undefined, observed: ObservedInstance[], requeueCluster: () => void): Promise<ReconcileResult> {
  const { store, events } = platform;
  const namespace = backup.metadata.namespace;
  const plan = planSnapshotBackup({ backup, cluster, instances: observed, now: new Date() }, platform.snapshots !== undefined);
  const ops = cluster && snapshotOps(platform, cluster, backup);
  let { status, event } = plan;
  if (plan.release && ops) {
    const problems = await release(plan.release.run, ops, { held: plan.release.held, fenced: plan.release.fenced, taken: true });
    if (problems.length > 0) status = { ...status, error: [status.error, ...problems].join('; ') };
  }
  if (event) await events.record(backup, event.type, event.reason, event.message);
  if (!isDeepStrictEqual(status, backup.status)) await store.updateStatus('Backup', namespace, backup.metadata.name, status);
  if (status.phase !== backup.status?.phase) requeueCluster();
  if (!plan.run || !ops || !cluster) return { requeueAfterMs: plan.requeueAfterMs };
  ({ status, event } = await runSnapshotBackup(plan.run, status, ops, cluster.metadata.name, () => new Date()));
  if (event) await events.record(backup, event.type, event.reason, event.message);
  await store.updateStatus('Backup', namespace, backup.metadata.name, status);
  requeueCluster();
  return {};
}

function snapshotOps(platform: Platform, cluster: Cluster, backup: StoredBackup): SnapshotOps | undefined {
  const { instances, snapshots, store } = platform;
  if (!snapshots) return undefined;
  const ns = cluster.metadata.namespace ?? 'default';
  const unsupported = (what: string) => () => Promise.reject(new Error(`this platform cannot ${what}`));
  const setFencing = async (names: string[]) => {
    await store.patchMetadata('Cluster', ns, cluster.metadata.name, { annotations: { [ANNOTATIONS.fencedInstances]: names.length > 0 ? JSON.stringify(names) : null } });
  };
  const current = async () => (await store.get('Cluster', ns, cluster.metadata.name)) as Cluster | undefined;
  return {
    beginBackupMode: instances.snapshotBackupStart ? (name, r) => instances.snapshotBackupStart!(cluster, name, r) : unsupported('hold backup mode'),
    endBackupMode: instances.snapshotBackupStop ? (name, r) => instances.snapshotBackupStop!(cluster, name, r) : unsupported('hold backup mode'),
    abortBackupMode: instances.snapshotBackupAbort ? (name, backupName) => instances.snapshotBackupAbort!(cluster, name, backupName) : unsupported('hold backup mode'),
    // As in CloudNativePG: a cold snapshot fences its instance, and refuses when others are fenced.
    fence: async (name) => {
      const fenced = fencedInstances((await current())?.metadata.annotations, []);
      if (fenced.size > 0 && !(fenced.size === 1 && fenced.has(name))) throw new Error('cannot take a cold snapshot of a cluster that has fenced instances');
      await setFencing([name]);
      const deadline = Date.now() + FENCE_TIMEOUT_MS;
      for (;;) {
        const latest = (await current()) ?? cluster;
        const instance = (await instances.observe(latest)).find((i) => i.name === name);
        if (instance?.running && instance.status && !instance.status.postgresRunning) return;
        if (Date.now() > deadline) throw new Error(`PostgreSQL on ${name} did not stop within ${FENCE_TIMEOUT_MS / 1000} s of fencing`);
        await sleep(500);
      }
    },
    unfence: async (name) => {
      const fenced = fencedInstances((await current())?.metadata.annotations, []);
      fenced.delete(name);
      await setFencing([...fenced]);
    },
    available: () => snapshots.available?.(ns) ?? Promise.resolve(),
    controlData: instances.controlData ? (name) => instances.controlData!(cluster, name) : unsupported('read pg_controldata'),
    take: (name, elements, taking) => snapshots.take(cluster, name, elements, taking),
    ready: (elements, taking) => snapshots.ready?.(cluster, elements, taking) ?? Promise.resolve(),
    report: async (status) => {
      await store.updateStatus('Backup', ns, backup.metadata.name, status);
    },
    seal: (name, elements, metadata) => snapshots.seal(cluster, name, elements, metadata),
    remove: (elements) => snapshots.remove(ns, elements.map((e) => e.name)),
  };
}
