// A TCP forwarder on a free 127.0.0.1 port that a test can cut to simulate an outage of whatever
// is behind it (S3, a PostgreSQL primary): while cut, existing connections are reset and new ones
// are accepted only to be reset at once, so clients see ECONNRESET fast instead of hanging.
import { connect, createServer, type Socket } from 'node:net';

export interface TcpSwitch {
  port: number;
  url(scheme?: string): string;
  /** Drops existing connections and refuses new ones (RST). */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpSwitch(targetHost: string, targetPort: number): Promise<TcpSwitch> {
  let isCut = false;
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };

  const server = createServer((client) => {
    // Keep the listener bound while cut, rather than closing it: the port stays ours, so nothing
    // else can take it before restore(), and an RST is as fast a failure as a refused connect.
    if (isCut) {
      client.resetAndDestroy();
      return;
    }
    track(client);
    const upstream = connect(targetPort, targetHost);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    // An error on one side resets the other, so the client sees the failure as it happened.
    client.on('error', () => upstream.resetAndDestroy());
    upstream.on('error', () => client.resetAndDestroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  if (typeof addr !== 'object' || !addr) throw new Error('tcp switch has no address');
  const port = addr.port;

  return {
    port,
    url: (scheme = 'http') => `${scheme}://127.0.0.1:${port}`,
    cut(): void {
      isCut = true;
      for (const s of sockets) s.resetAndDestroy();
      sockets.clear();
    },
    restore(): void {
      isCut = false;
    },
    close(): Promise<void> {
      for (const s of sockets) s.resetAndDestroy();
      sockets.clear();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
