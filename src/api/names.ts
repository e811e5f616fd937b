// The names, labels, annotations and ports CloudNativePG gives a Cluster's objects, once for every
// layer and both platforms, so selectors, dashboards and scripts written for CloudNativePG keep working.

export const POSTGRES_PORT = 5432;
export const MANAGER_PORT = 8000;
export const METRICS_PORT = 9187;

export const LABELS = {
  cluster: 'cnpg.io/cluster',
  instanceName: 'cnpg.io/instanceName',
  podRole: 'cnpg.io/podRole',
  /** What part of the system an object is (`pooler` on a Pooler's objects), with the other app.kubernetes.io labels. */
  component: 'app.kubernetes.io/component',
  appInstance: 'app.kubernetes.io/instance',
  instanceRole: 'cnpg.io/instanceRole',
  /** The role label CloudNativePG kept for selectors written before `cnpg.io/instanceRole`. */
  legacyRole: 'role',
  /** "true" while the operator routes connections to the instance; every Service selects on it. */
  serving: 'cnpg.io/serving',
  pvcRole: 'cnpg.io/pvcRole',
  userType: 'cnpg.io/userType',
  /** On a Secret: a change reloads the instances that use it. */
  reload: 'cnpg.io/reload',
  scheduledBackup: 'cnpg.io/scheduled-backup',
  immediateBackup: 'cnpg.io/immediateBackup',
  managedBy: 'app.kubernetes.io/managed-by',
  appName: 'app.kubernetes.io/name',
  poolerName: 'cnpg.io/poolerName',
  /** On an additional Service of spec.managed.services: the operator made it, and removes it when the spec no longer names it. */
  isManaged: 'cnpg.io/isManaged',
} as const;

export const ANNOTATIONS = {
  /** The instance to switch over to. */
  targetPrimary: 'cnpg.io/targetPrimary',
  /** A JSON list of instance names, or `["*"]` for all. */
  fencedInstances: 'cnpg.io/fencedInstances',
  /** Asks for a rolling restart (the annotation `kubectl rollout restart` sets on workloads). */
  restartedAt: 'kubectl.kubernetes.io/restartedAt',
  /** Asks every instance to reload its configuration. */
  reloadedAt: 'cnpg.io/reloadedAt',
  /**
   * Set by `cnpg restart CLUSTER INSTANCE` to the instance's name: planCluster restarts a primary in
   * place and recreates a standby, then clears it (so a restart that failed is tried again).
   */
  restartInstance: 'cnpg.io/restartInstance',
  /**
   * Set by `cnpg destroy CLUSTER INSTANCE` to the instance's name: planCluster removes a standby with
   * its data (a primary after a switchover), then clears it; the Cluster makes a new instance.
   */
  destroyInstance: 'cnpg.io/destroyInstance',
  /** Set with destroyInstance by `destroy --keep-pvc` ("true"): the instance's data is kept, detached from the Cluster. */
  destroyKeepPvc: 'cnpg.io/destroyKeepPVC',
  /** On a PVC kept by `destroy --keep-pvc`: "detached" (CloudNativePG's annotation and value); the Cluster no longer uses it. */
  pvcStatus: 'cnpg.io/pvcStatus',
  hibernation: 'cnpg.io/hibernation',
  /** On an additional Service: how a change to it is applied (patch or replace). */
  updateStrategy: 'cnpg.io/updateStrategy',
  serial: 'cnpg.io/nodeSerial',
  configHash: 'cnpg.io/configHash',
  credentialsHash: 'cnpg.io/credentialsHash',
  /** The role the operator wants an instance in. */
  role: 'cnpg.io/instanceRoleWanted',
  /** The peers an instance manager was last told of. */
  peers: 'cnpg.io/peers',
  /** On an instance Pod: a digest of the Pod spec it was made from (platform/kubernetes/specs.ts podSpecHash). */
  podSpecHash: 'cnpg.io/podSpecHash',
  /** On a Pooler's Deployment and Service: a digest of the spec (and image) they were made from. */
  poolerSpecHash: 'cnpg.io/poolerSpecHash',
  /**
   * On a basic-auth Secret (superuser, application owner, managed role): "enabled" sends its password
   * to PostgreSQL as given instead of SCRAM-encoding it first (CloudNativePG's annotation and value).
   */
  passwordPassthrough: 'cnpg.io/passwordPassthrough',
  /** kubectl's container for `exec` and `logs` when a Pod has several (ours add the bootstrap-controller init container). */
  defaultContainer: 'kubectl.kubernetes.io/default-container',
} as const;

/** PgBouncer's port in a pooler Pod and on its Service, and where the pooler manager serves /metrics and /status. */
export const PGBOUNCER_PORT = 5432;
export const POOLER_METRICS_PORT = 9127;

export const instanceName = (cluster: string, serial: number): string => `${cluster}-${serial}`;

export const secretNames = (cluster: string) => ({
  app: `${cluster}-app`,
  superuser: `${cluster}-superuser`,
  replication: `${cluster}-replication`,
  ca: `${cluster}-ca`,
  server: `${cluster}-server`,
  /** The client certificate PgBouncer logs in with (built-in Pooler authentication). */
  pooler: `${cluster}-pooler`,
});

export const serviceNames = (cluster: string) => ({ rw: `${cluster}-rw`, ro: `${cluster}-ro`, r: `${cluster}-r` });
