// Clean demotion of a primary for a switchover: the new primary must have all of its WAL.
import { latestCheckpointLocation } from '../postgres/controldata.js';
import { checkpoint } from '../postgres/queries.js';
import { withConnection, type SocketTarget } from './db.js';
import { log } from './log.js';
import type { Postmaster } from './postmaster.js';
import type { ShutdownStep } from './shutdown.js';
import { readControlData } from './run.js';

/**
 * Checkpoints (so the shutdown checkpoint is quick), stops PostgreSQL (fast, then immediate after
 * switchoverDelay), and returns where its WAL
 * ends: the shutdown checkpoint, which the new primary must have received before it promotes.
 */
export async function demotePrimary(socket: SocketTarget, postmaster: Postmaster, binDir: string, pgdata: string, steps: readonly ShutdownStep[]): Promise<string> {
  await withConnection(socket, 'postgres', checkpoint).catch(() => undefined);
  await postmaster.stopInSteps(steps);
  const lsn = latestCheckpointLocation(await readControlData(binDir, pgdata));
  log('info', 'demoted', { lsn });
  return lsn;
}
