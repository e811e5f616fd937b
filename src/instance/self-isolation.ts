// The primary's self-protection: every ISOLATION_CHECK_MS it asks whether it can still reach the
// control plane or a peer, and past the isolation timeout without an answer it stops PostgreSQL,
// assuming it has been replaced.
import { ISOLATION_CHECK_MS, hasContact } from './isolation.js';
import type { InstanceSpec } from './spec.js';

export interface IsolationSubject {
  spec(): InstanceSpec;
  /** A primary whose PostgreSQL serves and is not already isolated or being stopped. */
  guarded(): boolean;
  isolate(reason: string): Promise<void>;
}

export class IsolationWatch {
  private lastContact = Date.now();
  private lastTick = Date.now();
  private probing = false;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly subject: IsolationSubject) {
    this.timer = setInterval(() => void this.check(), ISOLATION_CHECK_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async check(): Promise<void> {
    const tick = Date.now();
    // Ticks far apart mean this process itself was stopped or starved: the silence measured
    // across the gap is ours, not the world's, so ask before judging.
    const stalled = tick - this.lastTick > 3 * ISOLATION_CHECK_MS;
    this.lastTick = tick;
    // probes.liveness.isolationCheck.enabled: false turns the self-protection off.
    if (!this.subject.guarded() || this.subject.spec().isolationCheck?.enabled === false) {
      this.lastContact = Date.now();
      return;
    }
    const timeoutMs = this.subject.spec().isolationTimeoutMs;
    if (stalled && !this.probing && Date.now() - this.lastContact > timeoutMs) await this.probe();
    // Judged on every tick before probing, so a probe that hangs (an unreachable peer takes the
    // whole probe timeout) cannot push the stop past isolation timeout + one check.
    if (Date.now() - this.lastContact > timeoutMs) {
      await this.subject.isolate(`no contact with the control plane or any peer for ${Math.round((Date.now() - this.lastContact) / 1000)}s`);
      return;
    }
    // One probe at a time: hung probes must not pile up, one per tick.
    if (!this.probing) await this.probe();
  }

  private async probe(): Promise<void> {
    this.probing = true;
    // An answer proves contact only from when the probe was sent.
    const sentAt = Date.now();
    try {
      if (await hasContact(this.subject.spec())) this.lastContact = Math.max(this.lastContact, sentAt);
    } finally {
      this.probing = false;
    }
  }
}
