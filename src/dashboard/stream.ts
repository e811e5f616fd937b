// One page's live stream, as server-sent events: a `message` per sample, `problem` when a reading
// failed, `gone` when the Cluster was deleted.
import type { ServerResponse } from 'node:http';
import type { ChartSample, ClusterView, StreamMessage } from './view.js';

export interface Watcher {
  send(message: StreamMessage): void;
  problem(error: string): void;
  gone(): void;
  close(): void;
}

export const chartSample = (view: ClusterView, sample: ChartSample): StreamMessage => ({ view, samples: [sample], history: false });

/** A proxy in between may close a connection that says nothing for a while. */
const KEEPALIVE_MS = 15_000;

export function sseWatcher(res: ServerResponse): Watcher {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.write('retry: 2000\n\n');
  const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
  res.on('close', () => clearInterval(keepalive));
  const event = (name: string | undefined, data: unknown) => res.write(`${name ? `event: ${name}\n` : ''}data: ${JSON.stringify(data)}\n\n`);
  return {
    send: (message) => event(undefined, message),
    problem: (error) => event('problem', { error }),
    gone: () => {
      event('gone', {});
      res.end();
    },
    close: () => res.end(),
  };
}
