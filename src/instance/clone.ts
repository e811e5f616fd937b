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
import { relinkTablespaces } from './storage.js';
import { parseSourceTablespaces, SOURCE_TABLESPACES_QUERY, tablespaceMappings } from './tablespace-mapping.js';

/**
 * pg_basebackup's arguments: WAL streamed alongside so the copy is consistent on its own, a fast
 * checkpoint on the source, and no password prompt (the passfile answers).
 */
export function pgBasebackupArguments(pgdata: string, conninfo: string, mappings: string[] = []): string[] {
  return ['-D', pgdata, '-d', conninfo, '-X', 'stream', '-c', 'fast', '-w', '--no-password', ...mappings];
}

/**
 * The source's tablespaces, each mapped into this instance's folder for it. A source that lets the
 * role read no catalog (a replication-only login) is copied as before, without mappings: then
 * pg_basebackup itself refuses a tablespace whose location here is not empty.
 */
export async function sourceTablespaceMappings(spec: InstanceSpec, conninfo: string, source: string): Promise<string[]> {
  let output: string;
  try {
    output = await runTool(join(spec.binDir, 'psql'), ['-X', '-w', '-At', '-d', conninfo, '-c', SOURCE_TABLESPACES_QUERY], { ...process.env, PGCONNECT_TIMEOUT: '10' });
  } catch (e) {
    log('warn', 'could not list the source tablespaces; copying without tablespace mappings', { source, error: (e as Error).message });
    return [];
  }
  return tablespaceMappings(source, parseSourceTablespaces(output), spec.storage);
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
  const mappings = await sourceTablespaceMappings(spec, writeExternalConnection(root, conn, { dbname: 'postgres' }), b.source);
  const conninfo = writeExternalConnection(root, conn, { dbname: 'postgres', options: cloneOptions(conn.params.options) });
  log('info', 'cloning an external cluster with pg_basebackup', { source: b.source, tablespaceMappings: mappings.length });
  await runTool(join(spec.binDir, 'pg_basebackup'), pgBasebackupArguments(pgdata, conninfo, mappings), { ...process.env, PGCONNECT_TIMEOUT: '10' });
  relinkTablespaces(spec.storage, pgdata);
  for (const signal of ['standby.signal', 'recovery.signal']) rmSync(join(pgdata, signal), { force: true });
  if (existsSync(join(pgdata, 'postgresql.auto.conf'))) replaceAutoConf(pgdata, '');
}
