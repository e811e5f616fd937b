// The Patroni reference node's YAML, as a pure function of where it lives and which ports it has,
// so its shape is checked by a unit test rather than discovered when Patroni refuses it.
import { stringify } from 'yaml';

export interface PatroniNode {
  /** The Patroni cluster (and PostgreSQL cluster_name): unique per run, so every process of ours names it. */
  scope: string;
  name: string;
  /** The node's folder, owned by postgres: data/, the pgpass file and the Unix socket live here. */
  dir: string;
  pgPort: number;
  restPort: number;
  /** etcd client endpoints, host:port (v3 API). */
  etcd: string[];
  binDir: string;
  synchronous: boolean;
  passwords: { superuser: string; replication: string; rewind: string };
}

export const SUPERUSER = 'postgres';
export const REPLICATION_USER = 'replicator';
export const REWIND_USER = 'rewinder';

// Patroni's defaults, written out so a reader sees what the reference runs with.
export const DEFAULT_TIMINGS = { ttl: 30, loop_wait: 10, retry_timeout: 10 } as const;

export function patroniConfig(n: PatroniNode): Record<string, unknown> {
  const pg = `127.0.0.1:${n.pgPort}`;
  const rest = `127.0.0.1:${n.restPort}`;
  return {
    scope: n.scope,
    name: n.name,
    restapi: { listen: rest, connect_address: rest },
    etcd3: { hosts: n.etcd, protocol: 'http' },
    bootstrap: {
      dcs: {
        ...DEFAULT_TIMINGS,
        maximum_lag_on_failover: 1048576,
        synchronous_mode: n.synchronous,
        postgresql: { use_pg_rewind: true, use_slots: true, parameters: { password_encryption: 'scram-sha-256' } },
      },
      initdb: [{ encoding: 'UTF8' }, { locale: 'C' }, 'data-checksums', { 'auth-host': 'scram-sha-256' }, { 'auth-local': 'peer' }],
    },
    postgresql: {
      listen: pg,
      connect_address: pg,
      data_dir: `${n.dir}/data`,
      bin_dir: n.binDir,
      pgpass: `${n.dir}/pgpass`,
      authentication: {
        superuser: { username: SUPERUSER, password: n.passwords.superuser },
        replication: { username: REPLICATION_USER, password: n.passwords.replication },
        rewind: { username: REWIND_USER, password: n.passwords.rewind },
      },
      // A private socket folder: nothing of ours touches /var/run/postgresql or port 5432.
      parameters: { unix_socket_directories: n.dir },
      pg_hba: [
        'local all all peer',
        `host replication ${REPLICATION_USER} 127.0.0.1/32 scram-sha-256`,
        'host all all 127.0.0.1/32 scram-sha-256',
      ],
    },
    // Never let a benchmark arm a hardware watchdog that could reset the machine.
    watchdog: { mode: 'off' },
  };
}

/** YAML 1.1, the dialect Patroni's parser speaks: strings like "off" stay strings. */
export function renderPatroniConfig(n: PatroniNode): string {
  return stringify(patroniConfig(n), { version: '1.1' });
}
