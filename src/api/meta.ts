// Kubernetes-shaped object envelope shared by every resource kind, local or on Kubernetes.

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  /** While any is left, a deleted object stays (with deletionTimestamp set) for its controller to clean up. */
  finalizers?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: unknown;
  status?: unknown;
  // core/v1 Secret and ConfigMap keep their payload outside spec
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  type?: string;
}

export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion: 'v1';
  kind: 'List';
  items: T[];
}

export const CNPG_API_VERSION = 'postgresql.cnpg.io/v1';
/** The Barman Cloud plugin's group: its ObjectStore kind. */
export const BARMAN_CLOUD_API_VERSION = 'barmancloud.cnpg.io/v1';
export const DEFAULT_NAMESPACE = 'default';
