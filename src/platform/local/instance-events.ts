// One server-sent-event stream per running instance manager. A postmaster exit arrives as an event;
// a manager that dies closes its stream. Either way the cluster is reconciled at once, instead of
// at the next resync.
import { get, type ClientRequest } from 'node:http';

export interface WatchedInstance {
  namespace: string;
  cluster: string;
  name: string;
  statusPort: number;
  managerPid?: number;
}

export class InstanceEventWatcher {
  private readonly streams = new Map<string, ClientRequest>();

  constructor(private readonly onChange: (namespace: string, cluster: string) => void) {}

  watch(i: WatchedInstance): void {
    const key = `${i.namespace}/${i.cluster}/${i.name}/${i.managerPid}`;
    if (this.streams.has(key)) return;
    const req = get({ host: '127.0.0.1', port: i.statusPort, path: '/events', agent: false }, (res) => {
      res.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('data:')) this.onChange(i.namespace, i.cluster);
      });
      res.on('close', () => this.lost(key, i));
    });
    req.on('error', () => this.lost(key, i));
    this.streams.set(key, req);
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
