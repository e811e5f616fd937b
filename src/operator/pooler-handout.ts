// Pure: what a Pooler's PgBouncers are told, from the Pooler, the TLS material and the address of
// the cluster endpoint it fronts. CloudNativePG's built-in authentication unless the Pooler names an
// authQuerySecret: PgBouncer logs in as cnpg_pooler_pgbouncer with the cluster's client certificate
// `X-pooler` and looks passwords up through public.user_search, so no file holds a password.
import type { Pooler } from '../api/index.js';
import type { PemPair, PoolerHandout } from '../pgbouncer/handout.js';
import { POOLER_USER } from '../postgres/hba.js';

export const POOLER_AUTH_QUERY = 'SELECT usename, passwd FROM public.user_search($1)';

/** Startup parameters drivers send that PgBouncer would otherwise refuse (JDBC, psycopg). */
const ALWAYS_IGNORED_STARTUP_PARAMETERS = ['extra_float_digits', 'options'];

/** Operator defaults a Pooler's parameters may override. */
const DEFAULT_SETTINGS: Readonly<Record<string, string>> = {
  auth_type: 'hba',
  server_tls_sslmode: 'verify-ca',
  client_tls_sslmode: 'prefer',
  // Statistics go to the metrics endpoint; once a minute in the log is noise.
  log_stats: '0',
  // For a moment after a primary dies its endpoint refuses connections; PgBouncer's default 15 s
  // wait after a failed login would add those 15 s to every failover (docs/endpoints.md).
  server_login_retry: '0.5',
};

/**
 * Client rules after the user's pg_hba lines: password authentication from anywhere. PgBouncer's
 * `md5` switches to SCRAM for a role whose stored secret is SCRAM, as every role's is here.
 */
const DEFAULT_HBA = ['host all all 0.0.0.0/0 md5', 'host all all ::/0 md5'];

export interface PoolerTls {
  /** Verifies PostgreSQL's server certificate: the cluster's server CA, or the Pooler's serverCASecret. */
  serverCA: string;
  /** Offered to clients: the cluster's server certificate, or the Pooler's clientTLSSecret. */
  clientServerCertificate: PemPair;
  /** Presented to PostgreSQL: `X-pooler` with built-in authentication, or the Pooler's serverTLSSecret. */
  serverClientCertificate?: PemPair;
  /** Verifies clients' certificates, when the Pooler names a clientCASecret. */
  clientCA?: string;
}

export interface PoolerHandoutInput {
  pooler: Pooler;
  target: { host: string; port: number };
  tls: PoolerTls;
  /** The login of a custom authQuerySecret; undefined with built-in authentication. */
  authQueryUser?: { name: string; password: string };
}

/** Built-in authentication is CloudNativePG's default; an authQuerySecret replaces it. */
export const usesBuiltinAuth = (pooler: Pooler): boolean => pooler.spec.pgbouncer.authQuerySecret === undefined;

function ignoredStartupParameters(userValue: string | undefined): string {
  const user = (userValue ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  return [...new Set([...ALWAYS_IGNORED_STARTUP_PARAMETERS, ...user])].join(',');
}

export function poolerHandout({ pooler, target, tls, authQueryUser }: PoolerHandoutInput): PoolerHandout {
  const pgbouncer = pooler.spec.pgbouncer;
  const builtin = usesBuiltinAuth(pooler);
  if (!builtin && !authQueryUser) throw new Error('a Pooler with an authQuerySecret needs the login that Secret holds');
  const user = pgbouncer.parameters ?? {};
  // auth_user is on CloudNativePG's allow-list: with built-in authentication a Pooler that names
  // one keeps it; an authQuerySecret's login is the one its userlist entry is for.
  const settings: Record<string, string> = {
    ...DEFAULT_SETTINGS,
    ...(builtin ? { auth_user: POOLER_USER } : {}),
    ...user,
    ...(builtin ? {} : { auth_user: authQueryUser?.name as string }),
    pool_mode: pgbouncer.poolMode,
    auth_query: builtin ? POOLER_AUTH_QUERY : (pgbouncer.authQuery as string),
    ignore_startup_parameters: ignoredStartupParameters(user.ignore_startup_parameters),
  };
  return {
    settings,
    target,
    hba: [...(pgbouncer.pg_hba ?? []), ...DEFAULT_HBA],
    users: builtin ? [] : [authQueryUser as { name: string; password: string }],
    serverTLS: { ca: tls.serverCA, ...(tls.serverClientCertificate ? { client: tls.serverClientCertificate } : {}) },
    clientTLS: { server: tls.clientServerCertificate, ...(tls.clientCA ? { ca: tls.clientCA } : {}) },
    paused: pgbouncer.paused,
  };
}
