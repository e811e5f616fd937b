// Renders postgresql.conf: operator defaults, then the user's parameters, then the settings the
// operator must own (ports, sockets, replication wiring) so a user value can never override them.
import { OPERATOR_DEFAULT_PARAMETERS, hasControlCharacter, isGucName } from '../api/gucs.js';

export interface StandbySettings {
  primaryConninfo: string;
  primarySlotName?: string;
}

export interface ConfigInput {
  userParameters: Record<string, string>;
  instanceName: string;
  port: number;
  socketDir: string;
  /** 127.0.0.1 unless the instance must be reachable from other hosts (a Pod: '*'). */
  listenAddress?: string;
  standby?: StandbySettings;
  synchronousStandbyNames?: string;
  /** Always set: archiving stays on so that adding a backup store later needs no restart. */
  archiveCommand: string;
  /**
   * Settings that win over the user's: an archive recovery's restore_command and target, and the
   * hot-standby-sensitive settings a server replaying WAL must keep at least as high as its source.
   */
  overrides?: Record<string, string>;
  /** Where the server certificate, its key and the client CA are; TLS is off without them. */
  tls?: { certFile: string; keyFile: string; caFile: string };
}

// Settings of CloudNativePG's defaults that assume a Pod's csvlog pipes: the instance manager
// captures stderr itself.
const LOCAL_OVERRIDES: Record<string, string> = {
  logging_collector: 'off',
  log_destination: 'stderr',
};
const POD_ONLY = new Set(['log_rotation_age', 'log_rotation_size']);

export function buildParameters(input: ConfigInput): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(OPERATOR_DEFAULT_PARAMETERS)) if (!POD_ONLY.has(k)) params[k] = v;
  Object.assign(params, LOCAL_OVERRIDES, input.userParameters);
  Object.assign(params, {
    listen_addresses: input.listenAddress ?? '127.0.0.1',
    port: String(input.port),
    unix_socket_directories: input.socketDir,
    unix_socket_permissions: '0700',
    cluster_name: input.instanceName,
    hot_standby: 'on',
    restart_after_crash: 'off',
    archive_mode: 'on',
    archive_command: input.archiveCommand,
    ssl: input.tls ? 'on' : 'off',
  });
  if (input.tls) {
    Object.assign(params, { ssl_cert_file: input.tls.certFile, ssl_key_file: input.tls.keyFile, ssl_ca_file: input.tls.caFile });
  }
  params.synchronous_standby_names = input.synchronousStandbyNames ?? '';
  if (input.standby) {
    params.primary_conninfo = input.standby.primaryConninfo;
    if (input.standby.primarySlotName) params.primary_slot_name = input.standby.primarySlotName;
  }
  Object.assign(params, input.overrides);
  return params;
}

/** A postgresql.conf string literal: backslashes and quotes escaped, read back by the server as `value`. */
export function quoteConfValue(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

export class UnsafeConfigurationError extends Error {}

/**
 * Every line is `name = 'value'`. Validation refuses bad names and values at apply; refusing
 * them here again means no path around validation can add a line of its own to the file.
 */
export function renderPostgresqlConf(params: Record<string, string>): string {
  const lines = ['# Written by the cnpg-ts instance manager; edits are overwritten. Use spec.postgresql.parameters.'];
  for (const key of Object.keys(params).sort()) {
    const value = params[key] ?? '';
    if (!isGucName(key)) throw new UnsafeConfigurationError(`refusing to write parameter name ${JSON.stringify(key)} to postgresql.conf: not a parameter name`);
    if (hasControlCharacter(value)) throw new UnsafeConfigurationError(`refusing to write parameter ${key} to postgresql.conf: its value has a control character`);
    lines.push(`${key} = ${quoteConfValue(value)}`);
  }
  return lines.join('\n') + '\n';
}
