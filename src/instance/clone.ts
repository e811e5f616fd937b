// bootstrap.pg_basebackup: a new primary whose data is a physical copy of a PostgreSQL outside the
// cluster (an externalClusters entry), streamed with pg_basebackup, then started as a primary of
// its own on the configuration this cluster gives it.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { replaceAutoConf } from './alter-system.js';
import { externalConnection, writeExternalConnection } from './external-connection.js';
import { log } from './log.js';
import { runTool } from './run.js';
import type { Credentials, InstanceSpec, PgBasebackupBootstrap } from './spec.js';

/**
 * pg_basebackup's arguments: WAL streamed alongside so the copy is consistent on its own, a fast
 * checkpoint on the source, and no password prompt (the passfile answers).
 */
export function pgBasebackupArguments(pgdata: string, conninfo: string): string[] {
  return ['-D', pgdata, '-d', conninfo, '-X', 'stream', '-c', 'fast', '-w', '--no-password'];
}

/** The source's wal_sender_timeout is lifted for this connection, as CloudNativePG does: a slow disk must not end a long copy. */
export function cloneOptions(given: string | undefined): string {
  return [given, '-c wal_sender_timeout=0'].filter((o) => o !== undefined && o !== '').join(' ');
}

/**
 * Copies the source into `pgdata`. What only made sense on the source goes: a standby's signal
 * files (the source may itself be a standby) and ALTER SYSTEM settings (this cluster's
 * configuration is its spec).
 */
export async function cloneFromExternal(spec: InstanceSpec, creds: Credentials, root: string, pgdata: string, b: PgBasebackupBootstrap): Promise<void> {
  const conn = externalConnection(spec, creds, b.source);
  const conninfo = writeExternalConnection(root, conn, { dbname: 'postgres', options: cloneOptions(conn.params.options) });
  log('info', 'cloning an external cluster with pg_basebackup', { source: b.source });
  await runTool(join(spec.binDir, 'pg_basebackup'), pgBasebackupArguments(pgdata, conninfo), { ...process.env, PGCONNECT_TIMEOUT: '10' });
  for (const signal of ['standby.signal', 'recovery.signal']) rmSync(join(pgdata, signal), { force: true });
  if (existsSync(join(pgdata, 'postgresql.auto.conf'))) replaceAutoConf(pgdata, '');
}
