// What the dashboard page shows, as data: built on the server (view-model.ts), sent as JSON, drawn
// by the browser (browser/app.ts). Nothing here is secret: no passwords, tokens or connection strings.

export type InstanceRoleView = 'primary' | 'replica' | 'unknown';

export interface InstanceView {
  name: string;
  /** What PostgreSQL says it is; `unknown` while its manager does not answer. */
  role: InstanceRoleView;
  /** The role the operator wants it in, shown when the two differ (a failover under way). */
  desiredRole?: 'primary' | 'replica';
  ready: boolean;
  /** The manager's phase (running, starting, fenced, …), or why it cannot be asked. */
  phase: string;
  timeline?: number;
  /** Where its WAL is: written (primary) or replayed (replica). */
  lsn?: string;
  /** Bytes of WAL the primary has written that this replica has not replayed yet. */
  lagBytes?: number;
  /** Seconds behind the primary, as the primary (pg_stat_replication.replay_lag) or the exporter reports it. */
  lagSeconds?: number;
  /** Replica: the primary sees it streaming. */
  streaming?: boolean;
  /** Replica: sync, async, quorum or potential. */
  syncState?: string;
  fenced?: boolean;
  error?: string;
}

export interface BackupView {
  name: string;
  phase: string;
  method?: string;
  instance?: string;
  startedAt?: string;
  stoppedAt?: string;
  error?: string;
}

/** The point-in-time recovery window: from the oldest base backup to the newest archived WAL (or now, while archiving works). */
export interface RecoveryWindowView {
  from?: string;
  to?: string;
  /** Continuous archiving works: the window's end moves with time. */
  archiving: boolean;
  lastSuccessfulBackup?: string;
  lastFailedBackup?: string;
  archiveError?: string;
}

export type EventCategory = 'failover' | 'switchover' | 'backup' | 'instance' | 'other';

export interface EventView {
  time: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  category: EventCategory;
  /** Kind/name of the object it is about (the Cluster or one of its Backups). */
  object: string;
  count: number;
}

export interface ClusterView {
  namespace: string;
  name: string;
  phase?: string;
  phaseReason?: string;
  instancesWanted: number;
  readyInstances: number;
  currentPrimary?: string;
  targetPrimary?: string;
  timeline?: number;
  instances: InstanceView[];
  backups: BackupView[];
  recovery: RecoveryWindowView;
  events: EventView[];
  generatedAt: string;
}

/** One point of the charts: lag per replica and the cluster's throughput at a moment. */
export interface ChartSample {
  /** Unix time, seconds. */
  t: number;
  /** Transactions (commits and rollbacks) per second over all instances, from their metrics. */
  tps?: number;
  /** WAL bytes per second the primary writes. */
  walBytesPerSecond?: number;
  /** Replica name → bytes behind the primary. */
  lagBytes: Record<string, number>;
}

export interface ClusterSummary {
  namespace: string;
  name: string;
  phase?: string;
  instances: number;
  readyInstances: number;
  currentPrimary?: string;
}

/** What the live stream sends: the whole view each time, and the newest chart point, or first the whole history. */
export interface StreamMessage {
  view: ClusterView;
  samples: ChartSample[];
  /** samples is the whole history (the first message of a connection), not the newest point. */
  history: boolean;
}
