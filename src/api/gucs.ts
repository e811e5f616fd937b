// Which postgresql.conf parameters a user may set in spec.postgresql.parameters.
//
// The operator owns some settings: *blocked* ones are never user-settable because the platform
// depends on its own value (where files live, how the server listens, how it logs), *fixed*
// ones are set by the operator from another part of the Cluster spec, so the user is pointed at
// that field. Both are rejected at apply time rather than silently overridden.
import { msg, type Finding } from './errors.js';
import { parseGucBool } from './guc-catalog.js';
import { hasControlCharacter } from './control-characters.js';

export { hasControlCharacter };

/** Overridable operator defaults (reference §3.6); a user value replaces them. */
export const OPERATOR_DEFAULT_PARAMETERS: Readonly<Record<string, string>> = Object.freeze({
  archive_timeout: '5min',
  dynamic_shared_memory_type: 'posix',
  full_page_writes: 'on',
  max_parallel_workers: '32',
  max_replication_slots: '32',
  max_worker_processes: '32',
  shared_memory_type: 'mmap',
  ssl_max_protocol_version: 'TLSv1.3',
  ssl_min_protocol_version: 'TLSv1.3',
  wal_keep_size: '512MB',
  wal_level: 'logical',
  wal_log_hints: 'on',
  wal_receiver_timeout: '5s',
  wal_sender_timeout: '5s',
});

// logging_collector, log_destination and log_rotation_* appear among the reference's defaults
// but the operator pins them (logs must go where the instance manager collects them), so they
// are blocked here rather than offered as overridable defaults.
export const BLOCKED_PARAMETERS: readonly string[] = Object.freeze([
  'allow_system_table_mods',
  'archive_cleanup_command',
  'bonjour',
  'bonjour_name',
  'config_file',
  'data_directory',
  'data_sync_retry',
  'event_source',
  'external_pid_file',
  'hba_file',
  'hot_standby',
  'ident_file',
  'jit_provider',
  'listen_addresses',
  'log_destination',
  'log_directory',
  'log_file_mode',
  'log_filename',
  'log_rotation_age',
  'log_rotation_size',
  'log_truncate_on_rotation',
  'logging_collector',
  // The platform allocates the port of every instance (no fixed 5432 locally); no Cluster field
  // controls it.
  'port',
  'promote_trigger_file',
  'recovery_end_command',
  'recovery_min_apply_delay',
  'restart_after_crash',
  'stats_temp_directory',
  'syslog_facility',
  'syslog_ident',
  'syslog_sequence_numbers',
  'syslog_split_messages',
  'unix_socket_directories',
  'unix_socket_group',
  'unix_socket_permissions',
]);

const RECOVERY_TARGET = 'spec.bootstrap.recovery.recoveryTarget';

/** Operator-managed parameters and the Cluster field that controls each, where one exists. */
export const FIXED_PARAMETERS: Readonly<Record<string, string | undefined>> = Object.freeze({
  archive_command: 'spec.backup',
  allow_alter_system: 'spec.postgresql.enableAlterSystem',
  archive_mode: 'spec.backup',
  cluster_name: undefined,
  primary_conninfo: 'spec.replica',
  primary_slot_name: 'spec.replicationSlots',
  recovery_target: RECOVERY_TARGET,
  recovery_target_action: undefined,
  recovery_target_inclusive: `${RECOVERY_TARGET}.exclusive`,
  recovery_target_lsn: RECOVERY_TARGET,
  recovery_target_name: RECOVERY_TARGET,
  recovery_target_time: RECOVERY_TARGET,
  recovery_target_timeline: `${RECOVERY_TARGET}.targetTLI`,
  recovery_target_xid: RECOVERY_TARGET,
  restore_command: 'spec.bootstrap.recovery',
  shared_preload_libraries: 'spec.postgresql.shared_preload_libraries',
  // ssl_min/max_protocol_version and ssl_ciphers stay user-settable; the rest of ssl* is the
  // certificate wiring.
  ssl: 'spec.certificates',
  ssl_ca_file: 'spec.certificates',
  ssl_cert_file: 'spec.certificates',
  ssl_crl_file: 'spec.certificates',
  ssl_dh_params_file: 'spec.certificates',
  ssl_ecdh_curve: undefined,
  ssl_key_file: 'spec.certificates',
  ssl_passphrase_command: undefined,
  ssl_passphrase_command_supports_reload: undefined,
  ssl_prefer_server_ciphers: undefined,
  synchronized_standby_slots: 'spec.replicationSlots',
  synchronous_standby_names: 'spec.postgresql.synchronous',
  temp_tablespaces: 'spec.tablespaces (temporary: true)',
});

const FIXED_PREFIXES: Readonly<Record<string, string>> = Object.freeze({
  'pg_failover_slots.': 'spec.replicationSlots.highAvailability.synchronizeLogicalDecoding',
});

// GUC names are case-insensitive in PostgreSQL.
const normalise = (name: string) => name.trim().toLowerCase();

export function isBlockedParameter(name: string): boolean {
  return BLOCKED_PARAMETERS.includes(normalise(name));
}

export function isFixedParameter(name: string): boolean {
  const key = normalise(name);
  return key in FIXED_PARAMETERS || Object.keys(FIXED_PREFIXES).some((prefix) => key.startsWith(prefix));
}

/** The Cluster field that controls a fixed parameter, if any. */
export function fixedParameterField(name: string): string | undefined {
  const key = normalise(name);
  if (key in FIXED_PARAMETERS) return FIXED_PARAMETERS[key];
  return Object.entries(FIXED_PREFIXES).find(([prefix]) => key.startsWith(prefix))?.[1];
}

// A small set of booleans whose typos would otherwise only surface when PostgreSQL refuses to
// start.
const BOOLEAN_PARAMETERS = ['fsync', 'full_page_writes', 'hot_standby_feedback'];
const BOOLEAN_VALUE = /^(on|off|true|false|yes|no|1|0|t|f|y|n)$/i;

const PG_SIZE = /^\s*(\d+)\s*(B|kB|MB|GB|TB)?\s*$/;
const PG_SIZE_UNITS: Record<string, number> = { B: 1, kB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TB: 2 ** 40 };

/** Bytes of a PostgreSQL size setting whose bare numbers count megabytes (min/max_wal_size). */
export function parseWalSize(value: string): number | undefined {
  const match = PG_SIZE.exec(value);
  if (!match) return undefined;
  return Number(match[1]) * (PG_SIZE_UNITS[match[2] ?? 'MB'] ?? 1);
}

// postgresql.conf's lexer (guc-file.l): a name is an identifier, or two joined by a dot for an
// extension's (custom) parameter. Anything else would be read as something other than a name.
const CORE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CUSTOM_NAME = /^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/;

export const isGucName = (name: string): boolean => CORE_NAME.test(name) || CUSTOM_NAME.test(name);
/** An extension's parameter (`pg_stat_statements.max`): the core catalog cannot describe it. */
export const isCustomGucName = (name: string): boolean => CUSTOM_NAME.test(name);

/** Per-parameter rules; each finding's path is the parameter name. */
export function checkParameters(parameters: Readonly<Record<string, string>>): Finding[] {
  const findings: Finding[] = [];
  for (const [name, value] of Object.entries(parameters)) {
    const key = normalise(name);
    const problem = !isGucName(name)
      ? msg.invalidParameterName(name)
      : isBlockedParameter(key)
        ? msg.blockedParameter(key)
        : isFixedParameter(key)
          ? msg.fixedParameter(key, fixedParameterField(key))
          : hasControlCharacter(value)
            ? msg.controlCharacter(value)
            : valueProblem(key, value);
    if (problem) findings.push({ path: name, message: problem });
  }
  findings.push(...walSizeFindings(parameters));
  return findings;
}

function valueProblem(key: string, value: string): string | undefined {
  if (key === 'wal_level' && !['replica', 'logical'].includes(value.trim().toLowerCase())) return msg.walLevel(value);
  if (key === 'wal_log_hints' && parseGucBool(value) !== true) return msg.walLogHints(value);
  if (key === 'max_wal_senders' && /^\s*0+\s*$/.test(value)) return msg.walSenders(value);
  if (BOOLEAN_PARAMETERS.includes(key) && !BOOLEAN_VALUE.test(value.trim())) return msg.invalidBoolean(value);
  if ((key === 'min_wal_size' || key === 'max_wal_size') && parseWalSize(value) === undefined) {
    return msg.invalidWalSize(value);
  }
  return undefined;
}

function walSizeFindings(parameters: Readonly<Record<string, string>>): Finding[] {
  const min = parameters['min_wal_size'];
  const max = parameters['max_wal_size'];
  if (min === undefined || max === undefined) return [];
  const minBytes = parseWalSize(min);
  const maxBytes = parseWalSize(max);
  if (minBytes === undefined || maxBytes === undefined || minBytes < maxBytes) return [];
  return [{ path: 'min_wal_size', message: msg.minWalAboveMax(min, max) }];
}
