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
