// The primary lease of a Cluster on Kubernetes: the coordination.k8s.io Lease named after it, which
// the operator makes (owned by the Cluster) and the instance managers hold, through the Pod's
// service account (a Role lets it get and update that one Lease). `kubectl get lease CLUSTER` shows
// the holder. Writes name the resourceVersion they read: the API server settles races.
import type { CoordinationV1Api, KubeConfig, V1Lease } from '@kubernetes/client-node';
import type { LeaseRecord, LeaseStore, VersionedLease } from './primary-lease.js';

/**
 * Lease times are MicroTime: the API server insists on six fractional digits, which a Date
 * serialized by the client (milliseconds) does not have; the client passes strings through.
 * Also the operator's leader election's (platform/kubernetes/leader.ts).
 */
export function microTime(at: Date | string): Date {
  return (typeof at === 'string' ? at : at.toISOString()).replace(/\.(\d{3})Z$/, '.$1000Z') as unknown as Date;
}

function isoOf(time: Date | string | undefined): string {
  if (time === undefined) return '';
  return typeof time === 'string' ? time : time.toISOString();
}

function statusCode(e: unknown): number | undefined {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

export function leaseRecordOf(lease: V1Lease): LeaseRecord {
  const spec = lease.spec ?? {};
  return {
    holder: spec.holderIdentity ?? '',
    leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
    // Compared for equality only: kept as the API server spelled it.
    renewTime: isoOf(spec.renewTime as Date | string | undefined),
    acquireTime: spec.acquireTime ? isoOf(spec.acquireTime as Date | string) : undefined,
    transitions: spec.leaseTransitions ?? 0,
  };
}

export class KubeLeaseStore implements LeaseStore {
  readonly createsMissing = false;
  /** The object last read: a write of the version read just before needs no second read. */
  private last?: V1Lease;

  constructor(
    private readonly api: CoordinationV1Api,
    private readonly namespace: string,
    private readonly name: string,
  ) {}

  /** In a Pod: the service account's token, the API server's CA and address, as every Pod gets them. */
  static async inPod(namespace: string, name: string, serviceAccountRoot = ''): Promise<KubeLeaseStore> {
    const { KubeConfig, CoordinationV1Api } = await import('@kubernetes/client-node');
    const kc: KubeConfig = new KubeConfig();
    kc.loadFromCluster(serviceAccountRoot);
    return new KubeLeaseStore(kc.makeApiClient(CoordinationV1Api), namespace, name);
  }

  async read(): Promise<VersionedLease | undefined> {
    try {
      const lease = await this.api.readNamespacedLease({ name: this.name, namespace: this.namespace });
      this.last = lease;
      return { record: leaseRecordOf(lease), version: lease.metadata?.resourceVersion ?? '' };
    } catch (e) {
      if (statusCode(e) === 404) return undefined;
      throw e;
    }
  }

  async write(record: LeaseRecord, version: string | undefined): Promise<boolean> {
    if (version === undefined) return false;
    const lease = this.last?.metadata?.resourceVersion === version ? structuredClone(this.last) : await this.api.readNamespacedLease({ name: this.name, namespace: this.namespace });
    lease.metadata = { ...lease.metadata, resourceVersion: version };
    lease.spec = {
      ...lease.spec,
      holderIdentity: record.holder === '' ? undefined : record.holder,
      leaseDurationSeconds: record.leaseDurationSeconds,
      renewTime: microTime(record.renewTime),
      acquireTime: record.acquireTime ? microTime(record.acquireTime) : undefined,
      leaseTransitions: record.transitions,
    };
    try {
      await this.api.replaceNamespacedLease({ name: this.name, namespace: this.namespace, body: lease });
      return true;
    } catch (e) {
      if (statusCode(e) === 409) return false;
      throw e;
    }
  }
}
