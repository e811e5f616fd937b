// A stand-in for the snapshot controller and a CSI driver, for tests of the operator's sequencing
// on a real kube-apiserver with the stand-in kubelet (which has no CSI). It does visibly what they
// would: a new VolumeSnapshot of a claim gets a copy of the claim's folder (WAL copied last, as a
// crash-consistent snapshot would hold it at least as new as the data) and its status set cut and
// readyToUse; a claim whose dataSource names one is filled from that copy (KubeletStandIn.provisioner).
// A snapshot of a failing class gets the driver's error; like the external-snapshotter, it is
// retried, and cut (the error cleared) once the class no longer fails.
// The real thing is tested on the real node (test/e2e/snapshots.test.ts).
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig, type V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { copyTree } from '../../src/platform/local/snapshots.js';

const COORDS = { group: 'snapshot.storage.k8s.io', version: 'v1', plural: 'volumesnapshots' } as const;

interface Snapshot {
  metadata: { name: string; namespace: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { source: { persistentVolumeClaimName?: string }; volumeSnapshotClassName?: string };
  status?: { error?: unknown };
}

export interface CutRecord {
  name: string;
  claim: string;
  className?: string;
  /** Whether PostgreSQL was running on the claim's data when it was cut (its postmaster.pid there). */
  postgresRunning: boolean;
}

export class SnapshotControllerStandIn {
  private readonly api: CustomObjectsApi;
  private timer?: NodeJS.Timeout;
  private busy = false;
  /** Every snapshot cut, in order. */
  readonly cuts: CutRecord[] = [];
  /** A class this stand-in fails snapshots of, with the message a driver would give. */
  readonly failingClasses = new Map<string, string>();
  lastError?: string;

  constructor(
    kc: KubeConfig,
    /** The stand-in kubelet's folder: claims are `pvc/NAMESPACE/CLAIM` in it. */
    private readonly kubeletDir: string,
    private readonly store: string,
  ) {
    this.api = kc.makeApiClient(CustomObjectsApi);
  }

  start(): void {
    this.timer = setInterval(() => void this.sync(), 200);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** For KubeletStandIn.provisioner. */
  readonly provision = async (claim: V1PersistentVolumeClaim, dir: string): Promise<void> => {
    const source = claim.spec?.dataSource;
    if (source?.kind !== 'VolumeSnapshot') return;
    const copy = join(this.store, claim.metadata!.namespace!, source.name);
    if (!existsSync(copy)) throw new Error(`no copy of VolumeSnapshot ${source.name}`);
    await copyTree(copy, dir);
  };

  private async sync(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const list = (await this.api.listClusterCustomObject({ ...COORDS })) as { items: Snapshot[] };
      for (const vs of list.items) {
        const retry = vs.status?.error !== undefined && !this.failingClasses.has(vs.spec.volumeSnapshotClassName ?? '');
        if (!vs.status || retry) await this.cut(vs);
      }
    } catch (e) {
      this.lastError = (e as Error).message;
    } finally {
      this.busy = false;
    }
  }

  private async cut(vs: Snapshot): Promise<void> {
    const { name, namespace } = vs.metadata;
    const claim = vs.spec.source.persistentVolumeClaimName ?? '';
    const className = vs.spec.volumeSnapshotClassName;
    const failure = className ? this.failingClasses.get(className) : undefined;
    if (failure) {
      await this.setStatus(namespace, name, { error: { message: failure, time: new Date().toISOString() }, readyToUse: false });
      return;
    }
    const from = join(this.kubeletDir, 'pvc', namespace, claim);
    const to = join(this.store, namespace, name);
    rmSync(to, { recursive: true, force: true });
    mkdirSync(dirname(to), { recursive: true });
    const postgresRunning = existsSync(join(from, 'pgdata', 'postmaster.pid'));
    await copyTree(from, to);
    if (existsSync(join(from, 'pgdata', 'pg_wal'))) {
      rmSync(join(to, 'pgdata', 'pg_wal'), { recursive: true, force: true });
      await copyTree(join(from, 'pgdata', 'pg_wal'), join(to, 'pgdata', 'pg_wal'));
    }
    this.cuts.push({ name, claim, ...(className ? { className } : {}), postgresRunning });
    await this.setStatus(namespace, name, {
      error: null,
      boundVolumeSnapshotContentName: `snapcontent-${name}`,
      creationTime: new Date().toISOString(),
      readyToUse: true,
      restoreSize: '1Gi',
    });
  }

  private async setStatus(namespace: string, name: string, status: Record<string, unknown>): Promise<void> {
    await this.api.patchNamespacedCustomObjectStatus({ ...COORDS, namespace, name, body: { status } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  }
}
