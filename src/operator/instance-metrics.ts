// Pure: the few facts `cnpg status` shows that only an instance's exporter knows, read from its
// /metrics text (Prometheus exposition format) under CloudNativePG's metric names.
export interface InstanceMetrics {
  /** cnpg_pg_database_size_bytes, by database. */
  databaseSizes: Record<string, number>;
  /** pg_stat_archiver, where the instance reports it (the primary, or a standby archiving itself). */
  archiver?: { archivedCount: number; failedCount: number; lastFailedTime?: string };
}

const SAMPLE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g;

/** Every sample line of a /metrics page, its labels unescaped. */
export function metricSamples(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  const out = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line.trim());
    if (!m) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(LABEL)].map((l) => [l[1]!, l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))]));
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

export function instanceMetricsFrom(text: string): InstanceMetrics {
  const all = metricSamples(text);
  const one = (name: string) => all.find((s) => s.name === name)?.value;
  const databaseSizes: Record<string, number> = {};
  for (const s of all) if (s.name === 'cnpg_pg_database_size_bytes' && s.labels.datname !== undefined) databaseSizes[s.labels.datname] = s.value;
  const archived = one('cnpg_pg_stat_archiver_archived_count');
  const failed = one('cnpg_pg_stat_archiver_failed_count');
  const lastFailed = one('cnpg_pg_stat_archiver_last_failed_time');
  return {
    databaseSizes,
    ...(archived !== undefined && failed !== undefined
      ? { archiver: { archivedCount: archived, failedCount: failed, ...(lastFailed !== undefined && lastFailed > 0 ? { lastFailedTime: new Date(lastFailed * 1000).toISOString() } : {}) } }
      : {}),
  };
}
