// The settings that make PostgreSQL replay archived WAL up to a recovery target and then promote.
// Input is the Cluster's `bootstrap.recovery.recoveryTarget` (already validated).

export interface RecoveryTarget {
  targetTLI?: string;
  targetXID?: string;
  targetName?: string;
  targetLSN?: string;
  targetTime?: string;
  targetImmediate?: boolean;
  exclusive?: boolean;
}

const ZONE = /(Z|[+-]\d{2}(:?\d{2})?)$/;

/**
 * PostgreSQL reads recovery_target_time in its own timestamp syntax and, without a zone, in the
 * server's TimeZone; the manifest means UTC when it gives none, so the zone is made explicit.
 */
export function postgresTargetTime(text: string): string {
  const t = text.trim().replace('T', ' ');
  if (ZONE.test(t)) return t.endsWith('Z') ? `${t.slice(0, -1)}+00` : t;
  return `${t}+00`;
}

export function recoveryParameters(restoreCommand: string, target: RecoveryTarget | undefined): Record<string, string> {
  const params: Record<string, string> = {
    restore_command: restoreCommand,
    recovery_target_action: 'promote',
    recovery_target_timeline: target?.targetTLI ?? 'latest',
  };
  if (!target) return params;
  if (target.targetTime !== undefined) params.recovery_target_time = postgresTargetTime(target.targetTime);
  if (target.targetLSN !== undefined) params.recovery_target_lsn = target.targetLSN;
  if (target.targetXID !== undefined) params.recovery_target_xid = target.targetXID;
  if (target.targetName !== undefined) params.recovery_target_name = target.targetName;
  if (target.targetImmediate) params.recovery_target = 'immediate';
  const hasTarget = Object.keys(params).some((k) => k.startsWith('recovery_target_') && !['recovery_target_action', 'recovery_target_timeline'].includes(k));
  if (hasTarget) params.recovery_target_inclusive = target.exclusive ? 'off' : 'on';
  return params;
}

/** Settings a server replaying WAL must have at least as high as the server that wrote it. */
const CONTROL_FILE_MINIMUMS: Record<string, string> = {
  max_connections: 'max_connections setting',
  max_worker_processes: 'max_worker_processes setting',
  max_wal_senders: 'max_wal_senders setting',
  max_prepared_transactions: 'max_prepared_xacts setting',
  max_locks_per_transaction: 'max_locks_per_xact setting',
};

/**
 * During recovery, raises the settings PostgreSQL checks against the source's control file (it
 * refuses to replay with lower ones); the Cluster's own values apply again after promotion.
 */
export function recoveryMinimums(pgControlData: string, configured: Record<string, string>): Record<string, string> {
  const raised: Record<string, string> = {};
  for (const [guc, label] of Object.entries(CONTROL_FILE_MINIMUMS)) {
    const m = new RegExp(`^${label}:\\s+(\\d+)$`, 'm').exec(pgControlData);
    if (!m?.[1]) continue;
    const needed = Number(m[1]);
    const current = Number(configured[guc] ?? NaN);
    if (!(current >= needed)) raised[guc] = String(needed);
  }
  return raised;
}
