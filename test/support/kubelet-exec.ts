// The kubelet's streaming endpoint for `kubectl exec`, for the kubelet stand-in. With the Node
// declaring ExtendWebSocketsToKubelet, kube-apiserver proxies kubectl's WebSocket
// (v5.channel.k8s.io) here unchanged instead of translating it to SPDY, so this speaks the same
// protocol as client-go's tools/remotecommand/websocket.go: binary messages whose first byte is the
// stream (0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize), a [255, stream] message closing one, and
// a metav1.Status on the error stream before the connection closes.
import { spawn, type ChildProcess } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { constants } from 'node:os';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { issueAuthority, issueLeaf } from '../../src/pki/x509.js';

export const EXEC_PROTOCOL = 'v5.channel.k8s.io';
const STREAM = { stdin: 0, stdout: 1, stderr: 2, error: 3, close: 255 } as const;

export interface ExecTarget {
  env: NodeJS.ProcessEnv;
  containers: string[];
  ids?: { uid: number; gid: number };
}

/** The running Pod NAMESPACE/NAME, or undefined when it does not run here. */
export type ExecResolver = (namespace: string, name: string) => ExecTarget | undefined;

// metav1.Status as client-go's errorDecoderV4 reads it: a non-zero exit is a Failure with reason
// NonZeroExitCode and the code as an ExitCode cause; anything else is an error of the exec itself.
const success = () => ({ metadata: {}, status: 'Success' });
const exited = (code: number) => ({
  metadata: {},
  status: 'Failure',
  message: `command terminated with non-zero exit code: command terminated with exit code ${code}`,
  reason: 'NonZeroExitCode',
  details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
});
const internalError = (message: string) => ({
  metadata: {},
  status: 'Failure',
  message: `Internal error occurred: ${message}`,
  reason: 'InternalError',
  details: { causes: [{ message }] },
  code: 500,
});

const CLOSE_NORMAL = 1000;

const requestedProtocols = (req: IncomingMessage): string[] =>
  (req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);

const isWebSocketUpgrade = (req: IncomingMessage): boolean => req.headers.upgrade?.toLowerCase() === 'websocket' && typeof req.headers['sec-websocket-key'] === 'string';

/** Answers an upgrade request that is not going to become a WebSocket, as an HTTP error. */
function refuseUpgrade(socket: Duplex, status: number, reason: string, message: string): void {
  const body = Buffer.from(message + '\n');
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.toString()}`);
}

const shellQuote = (args: string[]) => args.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');

export class ExecServer {
  private server?: Server;
  private readonly websockets = new WebSocketServer({ noServer: true, handleProtocols: (offered) => (offered.has(EXEC_PROTOCOL) ? EXEC_PROTOCOL : false) });
  private readonly sockets = new Set<Duplex>();
  private readonly sessions = new Set<ChildProcess>();
  private lastRefusal?: { session: unknown; message: string };

  constructor(private readonly resolve: ExecResolver) {}

  /** Serves HTTPS on 127.0.0.1 and returns the port. */
  async listen(): Promise<number> {
    const now = new Date();
    const ca = await issueAuthority('CN=kubelet stand-in CA', now);
    const leaf = await issueLeaf({ authority: ca, commonName: 'kubelet stand-in', names: ['127.0.0.1'], usage: 'server', now });
    const server = createServer({ cert: leaf.cert, key: leaf.key }, (_req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('this kubelet stand-in serves only exec over WebSocket\n');
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      this.upgrade(req, socket, head);
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const child of this.sessions) killGroup(child);
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.websockets.close();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const session = req.headers['kubectl-session'];
    const refuse = (status: number, reason: string, message: string) => {
      this.lastRefusal = { session, message };
      refuseUpgrade(socket, status, reason, message);
    };
    const path = /^\/exec\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (!path) return refuse(404, 'Not Found', `no ${url.pathname} on this kubelet stand-in`);
    if (!isWebSocketUpgrade(req) || !requestedProtocols(req).includes(EXEC_PROTOCOL)) {
      // kubectl retries with SPDY when its WebSocket is refused, and shows only that answer.
      const before = session && this.lastRefusal?.session === session ? ` (its WebSocket was refused: ${this.lastRefusal.message})` : '';
      return refuse(400, 'Bad Request', `this kubelet stand-in speaks WebSocket ${EXEC_PROTOCOL} only, not ${req.headers.upgrade}${before}`);
    }
    const [namespace, name, container] = path.slice(1).map(decodeURIComponent) as [string, string, string];
    const target = this.resolve(namespace, name);
    if (!target) return refuse(404, 'Not Found', `pod ${namespace}/${name} is not running on this node`);
    if (!target.containers.includes(container)) return refuse(404, 'Not Found', `container ${container} not found in pod ${namespace}/${name}`);
    const command = url.searchParams.getAll('command');
    const flag = (k: string) => url.searchParams.get(k) === '1';
    const tty = flag('tty');
    // The kubelet's names for the streams (the API server's exec options say stdin, stdout and
    // stderr); like the kubelet, a terminal has no separate stderr.
    const io = { stdin: flag('input'), stdout: flag('output'), stderr: flag('error') && !tty };
    if (command.length === 0) return refuse(400, 'Bad Request', 'no command given');
    if (!io.stdin && !io.stdout && !io.stderr) return refuse(400, 'Bad Request', 'you must specify at least 1 of stdin, stdout, stderr');
    this.websockets.handleUpgrade(req, socket, head, (ws) => this.run(ws, command, tty, io, target));
  }

  private run(ws: WebSocket, command: string[], tty: boolean, io: { stdin: boolean; stdout: boolean; stderr: boolean }, target: ExecTarget): void {
    // util-linux script(1) gives the command a pseudo-terminal, which node cannot allocate itself.
    // Its size stays the default: script offers no way to apply the resize stream (4) from outside.
    const [file, args] = tty ? ['script', ['-qefc', shellQuote(command), '/dev/null']] : [command[0]!, command.slice(1)];
    const child = spawn(file, args, {
      env: target.env,
      cwd: '/',
      stdio: [io.stdin ? 'pipe' : 'ignore', io.stdout ? 'pipe' : 'ignore', io.stderr ? 'pipe' : 'ignore'],
      // Its own process group, so that everything it starts goes when the session does.
      detached: true,
      ...(target.ids ?? {}),
    });
    this.sessions.add(child);
    const forward = (stream: number) => (d: Buffer) => ws.send(Buffer.concat([Buffer.of(stream), d]));
    child.stdout?.on('data', forward(STREAM.stdout));
    child.stderr?.on('data', forward(STREAM.stderr));
    // A command that exits without reading all of stdin makes further writes fail with EPIPE;
    // its exit status is what the session reports.
    child.stdin?.on('error', () => undefined);
    // Binary messages arrive as one Buffer each (ws's default binaryType), fragments joined.
    ws.on('message', (m: Buffer) => {
      if (m[0] === STREAM.stdin) child.stdin?.write(m.subarray(1));
      else if (m[0] === STREAM.close && m[1] === STREAM.stdin) child.stdin?.end();
    });
    let failed: Error | undefined;
    child.on('error', (e) => (failed = e));
    // 'close' comes after the command's output has been read to the end, so the status is last.
    child.on('close', (code, signal) => {
      this.sessions.delete(child);
      const rc = code ?? 128 + (signal ? constants.signals[signal] : 0);
      const status = failed ? internalError(`exec ${JSON.stringify(command[0])}: ${failed.message}`) : rc === 0 ? success() : exited(rc);
      ws.send(Buffer.concat([Buffer.of(STREAM.error), Buffer.from(JSON.stringify(status))]));
      ws.close(CLOSE_NORMAL);
    });
    ws.on('close', () => {
      if (this.sessions.has(child)) killGroup(child);
    });
  }
}

function killGroup(child: ChildProcess): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}
