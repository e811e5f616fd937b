// Which PgBouncer settings a Pooler's spec.pgbouncer.parameters may carry: CloudNativePG's allow-list,
// and for the settings the operator or the pooler manager writes itself, why they are theirs.

/** CloudNativePG's AllowedPgbouncerGenericConfigurationParameters, so its Pooler manifests apply unchanged. */
export const PGBOUNCER_PARAMETERS: readonly string[] = [
  'application_name_add_host',
  'auth_type',
  'auth_user',
  'autodb_idle_timeout',
  'cancel_wait_timeout',
  'client_idle_timeout',
  'client_login_timeout',
  'client_tls13_ciphers',
  'client_tls_ciphers',
  'client_tls_sslmode',
  'default_pool_size',
  'disable_pqexec',
  'dns_max_ttl',
  'dns_nxdomain_ttl',
  'idle_transaction_timeout',
  'ignore_startup_parameters',
  'listen_backlog',
  'log_connections',
  'log_disconnections',
  'log_pooler_errors',
  'log_stats',
  'max_client_conn',
  'max_db_connections',
  'max_packet_size',
  'max_prepared_statements',
  'max_user_connections',
  'min_pool_size',
  'pkt_buf',
  'query_timeout',
  'query_wait_timeout',
  'reserve_pool_size',
  'reserve_pool_timeout',
  'sbuf_loopcnt',
  'server_check_delay',
  'server_check_query',
  'server_connect_timeout',
  'server_fast_close',
  'server_idle_timeout',
  'server_lifetime',
  'server_login_retry',
  'server_reset_query',
  'server_reset_query_always',
  'server_round_robin',
  'server_tls13_ciphers',
  'server_tls_ciphers',
  'server_tls_protocols',
  'server_tls_sslmode',
  'stats_period',
  'suspend_timeout',
  'tcp_defer_accept',
  'tcp_keepalive',
  'tcp_keepcnt',
  'tcp_keepidle',
  'tcp_keepintvl',
  'tcp_socket_buffer',
  'tcp_user_timeout',
  'track_extra_parameters',
  'verbose',
];

const LISTEN = 'the pooler listens on 5432 in its Pods and on its stable endpoint port locally';
const ADMIN = "the pooler manager alone uses PgBouncer's admin console, on a socket in its own run folder";
const PROCESS = 'the pooler manager runs PgBouncer in the foreground, as its own user, and collects its log';
const SERVER_TLS = "PgBouncer verifies PostgreSQL with the cluster's CA; give your own in spec.pgbouncer.serverCASecret and serverTLSSecret";
const CLIENT_TLS = "PgBouncer offers the cluster's server certificate; give your own in spec.pgbouncer.clientTLSSecret and clientCASecret";

/** PgBouncer settings that exist but are written by the operator or the pooler manager, with the reason a user is given. */
export const OPERATOR_PGBOUNCER_PARAMETERS: Readonly<Record<string, string>> = Object.freeze({
  pool_mode: 'set spec.pgbouncer.poolMode instead',
  auth_query: 'set spec.pgbouncer.authQuery (with authQuerySecret) instead',
  auth_dbname: 'the operator decides which database auth_query runs in',
  auth_file: "the userlist is written from spec.pgbouncer.authQuerySecret, or not at all with the operator's built-in authentication",
  auth_hba_file: 'write the lines in spec.pgbouncer.pg_hba instead',
  listen_addr: LISTEN,
  listen_port: LISTEN,
  so_reuseport: 'the platform decides how the instances of a pooler share its port',
  unix_socket_dir: ADMIN,
  unix_socket_mode: ADMIN,
  unix_socket_group: ADMIN,
  admin_users: ADMIN,
  stats_users: ADMIN,
  logfile: PROCESS,
  pidfile: PROCESS,
  daemonize: PROCESS,
  user: PROCESS,
  syslog: PROCESS,
  syslog_facility: PROCESS,
  syslog_ident: PROCESS,
  server_tls_ca_file: SERVER_TLS,
  server_tls_cert_file: SERVER_TLS,
  server_tls_key_file: SERVER_TLS,
  client_tls_ca_file: CLIENT_TLS,
  client_tls_cert_file: CLIENT_TLS,
  client_tls_key_file: CLIENT_TLS,
});

export type PgBouncerParameterVerdict = { allowed: true } | { allowed: false; owner: 'operator'; reason: string } | { allowed: false; owner: 'unknown' };

export function pgbouncerParameterVerdict(name: string): PgBouncerParameterVerdict {
  if (PGBOUNCER_PARAMETERS.includes(name)) return { allowed: true };
  // hasOwn: a name such as "constructor" must not find Object's prototype.
  const reason = Object.hasOwn(OPERATOR_PGBOUNCER_PARAMETERS, name) ? OPERATOR_PGBOUNCER_PARAMETERS[name] : undefined;
  return reason === undefined ? { allowed: false, owner: 'unknown' } : { allowed: false, owner: 'operator', reason };
}

/**
 * Values of allowed settings a pooler cannot run with, and what to write instead. The pooler manager
 * reaches PgBouncer's console over a unix socket, where no certificate is presented and no PAM
 * service exists, so these would leave PgBouncer unready (and auth_type=cert does not even start
 * without client_tls_sslmode=verify-full).
 */
export const REFUSED_PGBOUNCER_VALUES: Readonly<Record<string, Readonly<Record<string, string>>>> = Object.freeze({
  auth_type: {
    cert: 'keep auth_type hba and write "hostssl all all 0.0.0.0/0 cert" in spec.pgbouncer.pg_hba, with the clients\' CA in spec.pgbouncer.clientCASecret',
    pam: 'the pooler has no PAM service: use hba (the default), md5 or scram-sha-256',
  },
});

/** Why a Pooler may not give this value to this setting, or undefined when it may. */
export function refusedPgBouncerValue(name: string, value: string): string | undefined {
  const refused = Object.hasOwn(REFUSED_PGBOUNCER_VALUES, name) ? REFUSED_PGBOUNCER_VALUES[name] : undefined;
  const key = value.trim().toLowerCase();
  return refused && Object.hasOwn(refused, key) ? refused[key] : undefined;
}
