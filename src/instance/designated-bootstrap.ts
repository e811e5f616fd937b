// The first data of a replica cluster: its designated primary is a copy of the source, taken with
// pg_basebackup over the source's connection or restored from the base backup in its object store,
// and it starts as a standby of that source (standby.signal), never as a primary of its own.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { replaceAutoConf } from './alter-system.js';
import type { BootstrapHost } from './bootstrap-host.js';
import { writeInstanceConfiguration } from './configure.js';
import { pgBasebackupArguments, sourceTablespaceMappings } from './clone.js';
import { isAcceptingConnections } from './db.js';
import { designatedSource, readSourceConninfo, writeSourceConnection } from './designated-primary.js';
import { log } from './log.js';
import { lastFatal, refuseUsedArchive, restoreBaseBackup } from './recovery.js';
import { runTool } from './run.js';
import { relinkTablespaces } from './storage.js';

/** Files a copy of another server's data must not keep. */
const FOREIGN_FILES = ['postmaster.pid', 'postmaster.opts', 'standby.signal', 'recovery.signal'];

export async function bootstrapDesignatedPrimary(host: BootstrapHost): Promise<void> {
  const { spec, paths, creds } = host;
  const source = designatedSource(spec);
  if (!source) throw new Error('not a designated primary');
  await refuseUsedArchive(spec, creds);
  if (spec.bootstrap.kind === 'recovery') {
    const backup = await restoreBaseBackup(spec.bootstrap, creds, paths.pgdata, spec.storage);
    log('info', 'replica cluster: restored the source base backup', { backupId: backup.backupId, source: source.name });
  } else if (source.streaming) {
    writeSourceConnection(spec, creds, paths);
    const conninfo = readSourceConninfo(paths, source.name);
    if (!conninfo) throw new Error(`no connection to external cluster ${source.name}`);
    log('info', 'replica cluster: cloning the source with pg_basebackup', { source: source.name });
    const mappings = await sourceTablespaceMappings(spec, conninfo, source.name);
    await runTool(join(spec.binDir, 'pg_basebackup'), pgBasebackupArguments(paths.pgdata, conninfo, mappings), { ...process.env, PGCONNECT_TIMEOUT: '10' });
    relinkTablespaces(spec.storage, paths.pgdata);
    for (const f of FOREIGN_FILES) rmSync(join(paths.pgdata, f), { force: true });
    // The source's ALTER SYSTEM settings (its archive_command…) would override this cluster's.
    replaceAutoConf(paths.pgdata, '# Emptied by the cnpg-ts instance manager after a clone; settings come from the Cluster.\n');
  } else {
    throw new Error(`replica cluster source ${source.name} has only an object store: bootstrap the Cluster from it with bootstrap.recovery.source: ${source.name}`);
  }
  await writeInstanceConfiguration(spec, paths, creds);
  await untilConsistent(host);
}

/** A standby accepts connections once its data is consistent, which a large backup takes a while to reach. */
async function untilConsistent(host: BootstrapHost): Promise<void> {
  host.launchPostgres();
  for (;;) {
    if (!host.postmaster.running) {
      throw new Error(`PostgreSQL stopped before its data was consistent: ${lastFatal(host.paths.postgresLog) ?? `see ${host.paths.postgresLog}`}`);
    }
    if (await isAcceptingConnections(host.socket)) return;
    await sleep(200);
  }
}
