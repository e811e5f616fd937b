// The few facts the dashboard takes from an instance's /metrics (Prometheus text format): its
// transaction counters and its replication lag, under CloudNativePG's metric names.

export interface InstanceMetrics {
  /** Commits and rollbacks over every database since the statistics were last reset. */
  transactions?: number;
  /** cnpg_pg_replication_lag: seconds behind the primary (a replica). */
  lagSeconds?: number;
}

const TRANSACTION_COUNTERS = new Set(['cnpg_pg_stat_database_xact_commit', 'cnpg_pg_stat_database_xact_rollback']);
const LAG = 'cnpg_pg_replication_lag';

/** The metric name and value of one sample line; undefined for comments, blank lines and anything unreadable. */
function sampleOf(line: string): { name: string; value: number } | undefined {
  if (line === '' || line.startsWith('#')) return undefined;
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
  if (!name) return undefined;
  // Label values may hold spaces and braces; the value is the first field after the closing brace.
  const rest = line.slice(name.length);
  const afterLabels = rest.startsWith('{') ? rest.slice(rest.lastIndexOf('}') + 1) : rest;
  const value = Number(afterLabels.trim().split(/\s+/)[0]);
  return Number.isFinite(value) ? { name, value } : undefined;
}

export function readInstanceMetrics(text: string): InstanceMetrics {
  const found: InstanceMetrics = {};
  for (const line of text.split('\n')) {
    const sample = sampleOf(line.trim());
    if (!sample) continue;
    if (TRANSACTION_COUNTERS.has(sample.name)) found.transactions = (found.transactions ?? 0) + sample.value;
    else if (sample.name === LAG) found.lagSeconds = sample.value;
  }
  return found;
}
