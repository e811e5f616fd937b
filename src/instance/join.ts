// Creates a standby by streaming a base backup from the primary as the replication user.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPLICATION_USER } from '../postgres/hba.js';
import { conninfo } from '../postgres/sql.js';
import { runTool } from './run.js';
import type { PrimaryEndpoint } from './spec.js';
import { cloneOptions, relinkTablespaces } from './storage.js';
import type { StorageLayout } from './storage-layout.js';

function escapePgpass(s: string): string {
  return s.replaceAll('\\', '\\\\').replaceAll(':', '\\:');
}

/** The replication password never appears in conninfo or process arguments, only in this file. */
export function writeReplicationPassfile(path: string, password: string): void {
  writeFileSync(path, `*:*:*:${REPLICATION_USER}:${escapePgpass(password)}\n`, { mode: 0o600 });
}

export function primaryConninfo(primary: PrimaryEndpoint, applicationName: string, passfile: string): string {
  return conninfo({
    host: primary.host,
    port: primary.port,
    user: REPLICATION_USER,
    dbname: 'postgres',
    application_name: applicationName,
    passfile,
    connect_timeout: 5,
  });
}

/** `storage`: WAL streamed into its own folder, and each tablespace into this instance's folder for it. */
export async function cloneFromPrimary(binDir: string, pgdata: string, primary: PrimaryEndpoint, slotName: string | undefined, passfile: string, storage?: StorageLayout): Promise<void> {
  const args = ['-D', pgdata, '-h', primary.host, '-p', String(primary.port), '-U', REPLICATION_USER, '-X', 'stream', '-c', 'fast', '-w', '--no-password', ...cloneOptions(storage)];
  if (slotName) args.push('-S', slotName);
  await runTool(join(binDir, 'pg_basebackup'), args, { ...process.env, PGPASSFILE: passfile, PGCONNECT_TIMEOUT: '5' });
  relinkTablespaces(storage, pgdata);
}
