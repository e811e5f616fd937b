// The few facts the dashboard takes from an instance's /metrics (Prometheus text format): its
// transaction counters and its replication lag, under CloudNativePG's metric names.
import { metricSamples } from '../operator/instance-metrics.js';

export interface InstanceMetrics {
  /** Commits and rollbacks over every database since the statistics were last reset. */
  transactions?: number;
  /** cnpg_pg_replication_lag: seconds behind the primary (a replica). */
  lagSeconds?: number;
}

const TRANSACTION_COUNTERS = new Set(['cnpg_pg_stat_database_xact_commit', 'cnpg_pg_stat_database_xact_rollback']);
const LAG = 'cnpg_pg_replication_lag';

export function readInstanceMetrics(text: string): InstanceMetrics {
  const found: InstanceMetrics = {};
  for (const sample of metricSamples(text)) {
    if (!Number.isFinite(sample.value)) continue;
    if (TRANSACTION_COUNTERS.has(sample.name)) found.transactions = (found.transactions ?? 0) + sample.value;
    else if (sample.name === LAG) found.lagSeconds = sample.value;
  }
  return found;
}
