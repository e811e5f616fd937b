// Reaching into a network namespace from this process's own: a port on 127.0.0.1 here whose
// connections come out inside the namespace, where a relay started with `nsenter --net` connects
// them to HOST:PORT (a Service's ClusterIP, a Pod, a server on the node's address). The two halves
// meet on a Unix socket, which lives in the file system and so is seen from both namespaces.
// Nothing is added to either namespace's network configuration.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RELAY = fileURLToPath(new URL('./netns-relay.js', import.meta.url));
const READY_TIMEOUT_MS = 15_000;

/** The file of a namespace given by name (`ip netns` style, under /run/netns) or by path. */
export const netnsPath = (netns: string): string => (netns.startsWith('/') ? netns : `/run/netns/${netns}`);

/** The arguments that run `command args…` inside the namespace (for spawn('nsenter', …)). */
export const inNetns = (netns: string, command: string, args: string[]): string[] => [`--net=${netnsPath(netns)}`, command, ...args];

/** Both directions; either side's end or error ends the other. */
export function joinSockets(a: Socket, b: Socket): void {
  a.pipe(b).pipe(a);
  for (const [x, y] of [
    [a, b],
    [b, a],
  ] as const) {
    x.on('error', () => y.destroy());
    x.on('close', () => y.destroy());
  }
}

export interface Tunnel {
  /** The port on 127.0.0.1 in this process's namespace. */
  readonly port: number;
  close(): Promise<void>;
}

// Relays die with this process even when a test forgets close().
const relays = new Set<ChildProcess>();
process.on('exit', () => {
  for (const r of relays) r.kill('SIGKILL');
});

function startRelay(netns: string, socketPath: string, host: string, port: number): Promise<ChildProcess> {
  const child = spawn('nsenter', inNetns(netns, process.execPath, [RELAY, socketPath, host, String(port)]), { stdio: ['pipe', 'pipe', 'pipe'] });
  relays.add(child);
  child.on('exit', () => relays.delete(child));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the relay into ${netns} did not start within ${READY_TIMEOUT_MS} ms: ${stderr}`));
    }, READY_TIMEOUT_MS);
    child.stdout.once('data', () => {
      clearTimeout(timer);
      resolve(child);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the relay into ${netns} exited (${signal ?? code}): ${stderr.trim() || 'no output'} (is ${netnsPath(netns)} a network namespace?)`));
    });
  });
}

/** A 127.0.0.1 port here that reaches HOST:PORT inside the network namespace. */
export async function tunnelInto(netns: string, host: string, port: number): Promise<Tunnel> {
  const dir = mkdtempSync(join(tmpdir(), 'cnpg-tunnel-'));
  const socketPath = join(dir, 'relay.sock');
  let relay: ChildProcess;
  try {
    relay = await startRelay(netns, socketPath, host, port);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const far = connect(socketPath);
    open.add(client);
    client.on('close', () => open.delete(client));
    joinSockets(client, far);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    async close(): Promise<void> {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of open) s.destroy();
      await closed;
      const exited = new Promise<void>((resolve) => (relay.exitCode !== null || relay.signalCode !== null ? resolve() : relay.once('exit', () => resolve())));
      relay.stdin?.end();
      const timer = setTimeout(() => relay.kill('SIGKILL'), 2_000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
