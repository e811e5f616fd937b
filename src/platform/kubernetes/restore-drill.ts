// Runs restore drills on Kubernetes: one drill Pod per Backup (restore-drill-pod.ts) with its task
// Secret, awaited until it ends, then both deleted. A drill left by an operator that stopped
// meanwhile (same name) is deleted first: the new drill starts from scratch, as locally.
import { CoreV1Api, type KubeConfig, type V1Pod, type V1Secret } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StoredCluster } from '../../api/cluster-status.js';
import { majorFromImageName } from '../../api/image.js';
import type { Cluster } from '../../api/index.js';
import type { DrillOutcome } from '../../instance/restore-drill.js';
import type { DrillOrder, DrillRuntime, ResourceStore } from '../../operator/platform.js';
import { endedDrillOutcome } from '../../operator/drill-outcome.js';
import { podImage } from './instances.js';
import { drillObjectName, drillPod, drillPodOutcome, drillTaskSecret } from './restore-drill-pod.js';
import { isStatus } from './store.js';

const POLL_MS = 1000;
/** Beyond the Pod's own deadline: for the kubelet to stop it and report it. */
const DEADLINE_GRACE_MS = 60_000;
const GONE_WAIT_MS = 120_000;

export interface KubeDrillsOptions {
  defaultImage: string;
  operatorImage: string;
  defaultMajor: number;
}

export class KubeDrills implements DrillRuntime {
  private readonly core: CoreV1Api;

  constructor(
    kc: KubeConfig,
    private readonly store: ResourceStore,
    private readonly o: KubeDrillsOptions,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async run(cluster: Cluster, order: DrillOrder): Promise<DrillOutcome> {
    const namespace = cluster.metadata.namespace ?? 'default';
    const failed = (error: string) => endedDrillOutcome(order.backupId, { reason: error });
    const backup = await this.store.get('Backup', namespace, order.backupName);
    if (!backup?.metadata.uid) return failed(`Backup ${order.backupName} is gone`);
    const stored = cluster as StoredCluster;
    const image = podImage(stored.spec.imageName ?? stored.status?.image ?? this.o.defaultImage, stored.status?.pgDataImageInfo, order.major);
    const imageMajor = majorFromImageName(image);
    const major = order.major ?? imageMajor ?? this.o.defaultMajor;
    if (imageMajor !== undefined && imageMajor !== major) {
      return failed(`the backup was taken with PostgreSQL ${major} and the Cluster's image ${image} runs ${imageMajor}: the drill needs an image of major ${major}`);
    }
    const owner = { name: order.backupName, uid: backup.metadata.uid };
    const name = drillObjectName(order.backupName);
    await this.remove(namespace, name, true);
    // Created through the API, not the cache: the Secret of a drill just ended may still be in it.
    const task = drillTaskSecret(cluster, owner, { source: order.source, secrets: order.secrets, backupId: order.backupId, defaultDatabase: order.defaultDatabase, counts: order.counts });
    await this.core.createNamespacedSecret({ namespace, body: task as V1Secret });
    try {
      const pod = drillPod(cluster, { backup: owner, image, major, operatorImage: this.o.operatorImage, timeoutSeconds: order.timeoutMs / 1000 });
      await this.core.createNamespacedPod({ namespace, body: pod as V1Pod });
      return await this.outcome(namespace, name, order);
    } finally {
      await this.remove(namespace, name, false).catch(() => undefined);
    }
  }

  private async outcome(namespace: string, name: string, order: DrillOrder): Promise<DrillOutcome> {
    const deadline = Date.now() + order.timeoutMs + DEADLINE_GRACE_MS;
    for (;;) {
      const pod = await this.core.readNamespacedPod({ name, namespace }).catch((e: unknown) => {
        if (isStatus(e, 404)) return undefined;
        throw e;
      });
      if (!pod) return endedDrillOutcome(order.backupId, { reason: `the drill Pod ${name} was deleted before it ended` });
      const outcome = drillPodOutcome(pod, order.backupId);
      if (outcome) return outcome;
      if (Date.now() > deadline) return endedDrillOutcome(order.backupId, { timedOutAfterMs: order.timeoutMs });
      await sleep(POLL_MS);
    }
  }

  /** The drill Pod and its Secret; with `wait`, until the Pod is gone (its name is taken until then). */
  private async remove(namespace: string, name: string, wait: boolean): Promise<void> {
    await this.core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 }).catch((e: unknown) => {
      if (!isStatus(e, 404)) throw e;
    });
    await this.store.delete('Secret', namespace, name);
    const until = Date.now() + GONE_WAIT_MS;
    while (wait && Date.now() < until) {
      const gone = await this.core.readNamespacedPod({ name, namespace }).then(
        () => false,
        (e: unknown) => isStatus(e, 404),
      );
      if (gone) return;
      await sleep(POLL_MS);
    }
  }
}
