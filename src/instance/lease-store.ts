// Which store an instance's primary lease is in: the file its spec names (a local cluster), else the
// Kubernetes Lease named after its cluster, reached with the Pod's service account. Where the Pod's
// service-account files are mapped elsewhere (a test's stand-in kubelet), CNPG_SERVICE_ACCOUNT_ROOT
// is the folder that stands for the Pod's root, as CNPG_INSTANCE_ROOT stands for its data volume.
import { FileLeaseStore } from './lease-file-store.js';
import { KubeLeaseStore } from './lease-kube-store.js';
import type { LeaseStore } from './primary-lease.js';
import type { InstanceSpec } from './spec.js';

export function leaseStoreFor(spec: Pick<InstanceSpec, 'primaryLease' | 'namespace' | 'cluster'>): Promise<LeaseStore> {
  if (spec.primaryLease?.file) return Promise.resolve(new FileLeaseStore(spec.primaryLease.file));
  return KubeLeaseStore.inPod(spec.namespace, spec.cluster, process.env.CNPG_SERVICE_ACCOUNT_ROOT ?? '');
}
