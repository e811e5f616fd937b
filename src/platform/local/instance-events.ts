// One server-sent-event stream per running instance manager. A postmaster exit arrives as an event;
// a manager that dies closes its stream. Either way the cluster is reconciled at once, instead of
// at the next resync.
import type { ClientRequest } from 'node:http';
import { openEventStream } from '../../instance/client.js';

export interface WatchedInstance {
  namespace: string;
  cluster: string;
  name: string;
  statusPort: number;
  managerPid?: number;
  /** The manager's token: its event stream is not for anyone on the host. */
  token: string;
}

/**
 * A manager that is still starting refuses the stream, and one with all its streams taken answers
 * 503. Reporting that as a change made every reconcile trigger the next one, a busy loop for as
 * long as the manager took to listen; the reconcile that asked already knows the manager is not
 * answering, so it is only retried later.
 */
const RETRY_REFUSED_MS = 1000;

export class InstanceEventWatcher {
  private readonly streams = new Map<string, ClientRequest>();
  private readonly refusedUntil = new Map<string, number>();

  constructor(private readonly onChange: (namespace: string, cluster: string) => void) {}

  watch(i: WatchedInstance): void {
    const key = `${i.namespace}/${i.cluster}/${i.name}/${i.managerPid}`;
    if (this.streams.has(key) || (this.refusedUntil.get(key) ?? 0) > Date.now()) return;
    this.refusedUntil.delete(key);
    let connected = false;
    const req = openEventStream({ host: '127.0.0.1', port: i.statusPort }, i.token, (res) => {
      // Too many streams (503) or a token it does not take: retried later, as a refusal is.
      if (res.statusCode !== 200) {
        res.resume();
        return this.refused(key);
      }
      connected = true;
      res.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('data:')) this.onChange(i.namespace, i.cluster);
      });
      res.on('close', () => this.lost(key, i));
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (connected || e.code !== 'ECONNREFUSED') return this.lost(key, i);
      this.refused(key);
    });
    this.streams.set(key, req);
  }

  private refused(key: string): void {
    this.streams.delete(key);
    const now = Date.now();
    for (const [k, until] of this.refusedUntil) if (until <= now) this.refusedUntil.delete(k);
    this.refusedUntil.set(key, now + RETRY_REFUSED_MS);
  }

  private lost(key: string, i: WatchedInstance): void {
    if (!this.streams.delete(key)) return;
    this.onChange(i.namespace, i.cluster);
  }

  close(): void {
    for (const req of this.streams.values()) req.destroy();
    this.streams.clear();
  }
}
