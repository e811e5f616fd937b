// A standby's stream from its primary, as its manager saw it: whom it streamed from and when it last
// heard from it. PostgreSQL forgets both once its WAL receiver exits, which is exactly when they
// matter: the operator counts a standby that lost its stream as a witness against a failing primary
// only with this record (operator/failure-witness.ts). A standby that never streamed since its
// PostgreSQL (or this manager) started has no record, and knows nothing of the primary.
import type { PostgresFacts } from '../postgres/facts.js';

/** What the watch reads of a status. */
type Heard = Pick<Partial<PostgresFacts>, 'isPrimary' | 'postmasterStartTime' | 'walReceiverLastMessageAt'>;

export interface WalReceiverRecord {
  /** The primary it streamed from: its spec's primary when it last heard from it. */
  from: string;
  /** When it last heard from that primary (pg_stat_wal_receiver.last_msg_receipt_time), by this machine's clock. */
  lastHeardAt: string;
  /** How long ago that was when the status was made, measured here, so that no other machine's clock is compared with it. */
  silentForMs: number;
}

export class WalReceiverWatch {
  private heard?: { from: string; atMs: number; postmasterStart?: string };

  /** The status with what the standby heard from its primary since its PostgreSQL started; a primary's is left as it is. */
  annotate<S extends Heard>(status: S, primary: string | undefined, nowMs = Date.now()): S & { walReceiver?: WalReceiverRecord } {
    if (status.isPrimary === true || !primary) {
      this.heard = undefined;
      return status;
    }
    // PostgreSQL did not answer (its start time is then the manager's, not its own): nothing learnt, nothing forgotten.
    if (status.isPrimary === undefined) return this.report(status, nowMs);
    const start = status.postmasterStartTime;
    // A restarted PostgreSQL or another primary to follow: what was heard before says nothing now.
    if (this.heard && (this.heard.from !== primary || (start !== undefined && this.heard.postmasterStart !== start))) this.heard = undefined;
    const message = status.walReceiverLastMessageAt ? Date.parse(status.walReceiverLastMessageAt) : NaN;
    if (!Number.isNaN(message) && (this.heard === undefined || message > this.heard.atMs)) this.heard = { from: primary, atMs: message, postmasterStart: start };
    return this.report(status, nowMs);
  }

  private report<S extends Heard>(status: S, nowMs: number): S & { walReceiver?: WalReceiverRecord } {
    if (!this.heard) return status;
    const record: WalReceiverRecord = { from: this.heard.from, lastHeardAt: new Date(this.heard.atMs).toISOString(), silentForMs: Math.max(0, nowMs - this.heard.atMs) };
    return { ...status, walReceiver: record };
  }
}
