// Promotion of a standby to primary, for a failover or the second half of a switchover.
import { setTimeout as sleep } from 'node:timers/promises';
import { compareLsn } from '../postgres/lsn.js';
import { checkpoint, isInRecovery, lastReceivedLsn, promote } from '../postgres/queries.js';
import { withConnection, type SocketTarget } from './db.js';
import { log } from './log.js';

/**
 * Waits until the standby has received WAL up to `minLsn` (a switchover passes the old primary's
 * shutdown checkpoint, so nothing acknowledged is left behind), then promotes it.
 */
export async function promoteStandby(socket: SocketTarget, minLsn: string | undefined, timeoutMs: number, promotionTimeout?: number): Promise<void> {
  if (minLsn) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const received = await withConnection(socket, 'postgres', lastReceivedLsn);
      if (received && compareLsn(received, minLsn) >= 0) break;
      if (Date.now() > deadline) throw new Error(`standby received WAL only up to ${received ?? 'nothing'}, needed ${minLsn}`);
      await sleep(20);
    }
  }
  // spec.postgresql.promotionTimeout bounds the promotion itself (pg_ctl promote -t in the reference).
  const promoted = await withConnection(socket, 'postgres', async (c) => !(await isInRecovery(c)) || (await promote(c, promotionTimeout)));
  if (!promoted && promotionTimeout !== undefined) throw new Error(`the promotion did not finish within ${promotionTimeout}s (spec.postgresql.promotionTimeout)`);
  log('info', 'promoted to primary');
}

/** pg_rewind of the old primary needs the new timeline in this server's control file; nobody waits for it. */
export function checkpointInBackground(socket: SocketTarget): void {
  void withConnection(socket, 'postgres', checkpoint, 60_000).catch(() => undefined);
}
