// Who completes a backup's last WAL segment when the instance taking it cannot: a standby asks its
// primary; a replica cluster's designated primary (in recovery too) asks its source, over the
// source's own connection, when it streams from it. An object-store-only source switches segments
// on its own schedule (archive_timeout), and the backup waits for that.
import { join } from 'node:path';
import { switchWalOnPrimary } from './base-backup.js';
import { designatedSource, readSourceConninfo } from './designated-primary.js';
import type { InstancePaths } from './paths.js';
import { log } from './log.js';
import { runTool } from './run.js';
import type { Credentials, InstanceSpec } from './spec.js';

export function backupWalSwitch(spec: InstanceSpec, creds: Credentials, paths: InstancePaths, isPrimary: boolean): (() => Promise<void>) | undefined {
  if (!isPrimary && spec.primary) {
    const primary = { endpoint: spec.primary, replicationPassword: creds.replicationPassword };
    return () => switchWalOnPrimary(primary);
  }
  const source = designatedSource(spec);
  const conninfo = source?.streaming ? readSourceConninfo(paths, source.name) : undefined;
  if (!conninfo) return undefined;
  // The conninfo names the 0600 passfile and key files, never a secret itself.
  // A source that does not let this role switch (another operator's, say) only makes the backup wait.
  return () =>
    runTool(join(spec.binDir, 'psql'), ['-X', '-w', '-d', conninfo, '-Atc', 'SELECT pg_catalog.pg_switch_wal()'], { ...process.env, PGCONNECT_TIMEOUT: '10' }).then(
      () => log('info', 'asked the source to switch WAL segments for a backup', { source: source?.name }),
      (e: unknown) => log('warn', 'the source did not switch WAL segments; the backup waits for its next switch', { source: source?.name, error: (e as Error).message }),
    );
}
