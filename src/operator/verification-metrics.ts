// The restore-drill metrics, from the Backups' status.verification (so they survive a restart of
// the operator): per Cluster, the newest drill's result and time, and the newest success's time.
import { Gauge, Registry } from 'prom-client';
import type { StoredBackup } from '../api/backup.js';
import { verificationSamples } from './verification-plan.js';

export async function verificationMetricsText(backups: StoredBackup[]): Promise<{ contentType: string; text: string }> {
  const registry = new Registry();
  const registers = [registry];
  const labelNames = ['namespace', 'cluster'] as const;
  const result = new Gauge({ name: 'cnpg_backup_verification_last_result', help: 'Whether the newest restore drill of the cluster\'s backups passed (1) or failed (0)', labelNames, registers });
  const last = new Gauge({ name: 'cnpg_backup_verification_last_timestamp', help: 'When the newest restore drill of the cluster\'s backups finished (seconds since the epoch)', labelNames, registers });
  const success = new Gauge({ name: 'cnpg_backup_verification_last_success_timestamp', help: 'When the newest passing restore drill of the cluster\'s backups finished (seconds since the epoch)', labelNames, registers });
  for (const s of verificationSamples(backups)) {
    const labels = { namespace: s.namespace, cluster: s.cluster };
    result.set(labels, s.lastResult);
    last.set(labels, s.lastTimestamp);
    if (s.lastSuccessTimestamp !== undefined) success.set(labels, s.lastSuccessTimestamp);
  }
  return { contentType: registry.contentType, text: await registry.metrics() };
}
