// What the operator hands a pooler manager: everything PgBouncer needs that the operator decides.
// The manager adds only what belongs to where it runs (its files' paths, its listen address and
// port, its admin socket) and never decides a setting of its own. Both platforms deliver the same
// handout (locally a 0600 file, on Kubernetes a Secret the pooler Pods read), so a pooler behaves
// the same on both.
import { createHash } from 'node:crypto';

export interface PemPair {
  cert: string;
  key: string;
}

export interface PoolerHandout {
  /**
   * PgBouncer settings, by PgBouncer's own names: the user's parameters (already validated) and the
   * ones the operator owns (pool_mode, auth_type, auth_user, auth_query, ignore_startup_parameters,
   * server_tls_sslmode, client_tls_sslmode, …). Paths, listen_addr, listen_port, unix_socket_dir and
   * admin_users are the manager's and never appear here.
   */
  settings: Record<string, string>;
  /** Where server connections go: the `*` fallback database of the [databases] section. */
  target: { host: string; port: number };
  /** PgBouncer's own pg_hba.conf lines (auth_type hba), each one already checked. */
  hba: string[];
  /** userlist.txt entries: only the auth_user of a custom authQuerySecret, never a superuser. */
  users: { name: string; password: string }[];
  /** Towards PostgreSQL (PgBouncer's server_tls_*): the CA that verifies the server, and the client certificate it presents. */
  serverTLS: { ca: string; client?: PemPair };
  /** Towards clients (PgBouncer's client_tls_*): the certificate offered, and a CA to verify client certificates when given. */
  clientTLS?: { server: PemPair; ca?: string };
  /** PAUSE when true, RESUME when false. */
  paused: boolean;
}

/** A stable digest of a handout: the platform records it and the manager reports the one it applied. */
export function handoutHash(handout: PoolerHandout): string {
  return createHash('sha256').update(canonicalJson(handout)).digest('hex').slice(0, 16);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The key of the `<pooler>-config` Secret that holds the handout as JSON (Kubernetes platform). */
export const HANDOUT_SECRET_KEY = 'handout.json';
