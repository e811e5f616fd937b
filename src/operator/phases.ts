// The Cluster phases the planner reports, CloudNativePG's words.
export const PHASE = {
  settingUpPrimary: 'Setting up primary',
  creatingReplica: 'Creating a new replica',
  healthy: 'Cluster in healthy state',
  waitingForInstances: 'Waiting for the instances to become active',
  applyingConfiguration: 'Applying configuration',
  restartingPrimary: 'Primary instance is being restarted in-place',
  /** The primary's Pod is recreated on its data (a Pod-level change, primaryUpdateMethod: restart). */
  recreatingPrimary: 'Primary instance is being restarted without a switchover',
  upgrading: 'Upgrading cluster',
  /** Every instance stopped while pg_upgrade runs on the primary's data (operator/major-upgrade.ts). */
  majorUpgrade: 'Upgrading Postgres major version',
  waitingForUser: 'Waiting for user action',
  failingOver: 'Failing over',
  switchover: 'Switchover in progress',
  /** cnpg.io/hibernation=on: the instances are being stopped, then all are. */
  hibernating: 'Hibernation in progress',
  hibernated: 'Cluster in hibernation',
  /** cnpg.io/hibernation=off: the last primary starts first. */
  resuming: 'Resuming from hibernation',
  /** A replica cluster's designated primary waits for its promotion token before it takes writes. */
  promotingToPrimaryCluster: 'Promoting to primary cluster',
} as const;
