// Pure: what the instance Pods' primary lease needs on Kubernetes, as CloudNativePG makes it: the
// coordination.k8s.io Lease named after the Cluster (owned by it, so it goes with it), and a Role,
// bound to the instances' service account, that lets them read and update that one Lease and
// nothing else (src/instance/lease-kube-store.ts is its only user).
import type { Cluster } from '../../api/index.js';
import type { KubeObject } from '../../api/meta.js';
import { LABELS } from '../../api/names.js';
import { withInheritedMetadata } from '../../api/inherited-metadata.js';
import { instanceServiceAccountName, ownerReference } from './specs.js';

function metadataOf(cluster: Cluster): KubeObject['metadata'] {
  return { name: cluster.metadata.name, namespace: cluster.metadata.namespace, labels: { [LABELS.cluster]: cluster.metadata.name }, ownerReferences: [ownerReference(cluster)] };
}

/** Empty: the first primary claims it (the operator never writes a holder into a new one). */
export function primaryLease(cluster: Cluster): KubeObject {
  return withInheritedMetadata(cluster, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: metadataOf(cluster), spec: {} } as KubeObject);
}

export function primaryLeaseRole(cluster: Cluster): KubeObject {
  return withInheritedMetadata(cluster, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: metadataOf(cluster),
    rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [cluster.metadata.name], verbs: ['get', 'update'] }],
  } as KubeObject);
}

export function primaryLeaseRoleBinding(cluster: Cluster): KubeObject {
  return withInheritedMetadata(cluster, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: metadataOf(cluster),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: cluster.metadata.name },
    subjects: [{ kind: 'ServiceAccount', name: instanceServiceAccountName(cluster), namespace: cluster.metadata.namespace }],
  } as KubeObject);
}
