// A real S3-compatible server for tests: one private process per call, on a free 127.0.0.1 port,
// with its own data dir and generated credentials. The default is the Go-built server from
// scripts/s3-server.sh (it keeps data on disk, so restart() is a real restart); CNPG_TEST_S3=moto
// swaps in moto_server, an in-memory Python mock, for debugging only (its data does not survive
// restart()). Given a network namespace and an address in it, the server runs there (started with
// `nsenter --net`), so Pods of a real node reach it; this process reaches it through a tunnel.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { builtPath } from './build-script.js';
import { inNetns, tunnelInto, type Tunnel } from './netns.js';
import { waitUntilAnswering } from './server-process.js';

export interface S3Server {
  /** Where clients in the server's network namespace reach it. */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  dataDir: string;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const REGION = 'us-east-1';
/** The KMS key name MinIO reports for aws:kms objects (arn:aws:kms:<name>). */
export const KMS_KEY = 'cnpg-test';
// One per test process, so encrypted objects stay readable across restart().
const KMS_SECRET = randomBytes(32).toString('base64');

/** Where the server listens: this process's loopback by default. */
export interface S3Placement {
  /** A network namespace (name under /run/netns, or a path) to run the server in. */
  netns: string;
  /** An address of that namespace to listen on (a real node's IP, which its Pods reach). */
  host: string;
}

interface Flavor {
  command: string;
  args(host: string, port: number, dataDir: string): string[];
  env(accessKeyId: string, secretAccessKey: string): NodeJS.ProcessEnv;
  /** A path that answers 200 once the server takes requests. */
  readyPath: string;
}

// Built once per process: the script is idempotent, but a cold build takes minutes.
let built: Promise<string> | undefined;

/** The binary from `scripts/s3-server.sh build`, which prints its path (progress goes to stderr). */
function buildGoServer(): Promise<string> {
  built ??= builtPath(join(REPO, 'scripts/s3-server.sh'), ['build']);
  return built;
}

async function goServer(): Promise<Flavor> {
  const bin = await buildGoServer();
  return {
    command: bin,
    args: (host, port, dataDir) => ['server', '--quiet', '--address', `${host}:${port}`, dataDir],
    env: (user, password) => ({
      MINIO_ROOT_USER: user,
      MINIO_ROOT_PASSWORD: password,
      MINIO_REGION: REGION,
      // A built-in KMS key, so that server-side encryption (AES256 and aws:kms) works and is
      // recorded on each object as on AWS; objects written without it stay unencrypted.
      MINIO_KMS_SECRET_KEY: `${KMS_KEY}:${KMS_SECRET}`,
      // No web console (it would want a second port), no update checks, no phoning home.
      MINIO_BROWSER: 'off',
      MINIO_UPDATE: 'off',
      MINIO_CALLHOME_ENABLE: 'off',
    }),
    readyPath: '/minio/health/ready',
  };
}

function moto(): Flavor {
  return {
    command: 'moto_server',
    args: (host, port) => ['-H', host, '-p', String(port)],
    // moto accepts any credentials; the region only matters for the SDK's signature.
    env: () => ({}),
    readyPath: '/moto-api/',
  };
}

/** A port that was free a moment ago; the server binds it right after. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

// Every live server, killed synchronously when node exits, so no process outlives a test run
// even when a test forgets stop() or the runner is interrupted.
const live = new Set<ChildProcess>();
const dirs = new Set<string>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A port for a server in a namespace of its own, where nothing of ours listens yet. */
const randomPort = (): Promise<number> => Promise.resolve(20_000 + Math.floor(Math.random() * 20_000));

export async function startS3Server(placement?: S3Placement): Promise<S3Server> {
  const flavor = process.env.CNPG_TEST_S3 === 'moto' ? moto() : await goServer();
  const accessKeyId = `test${randomBytes(8).toString('hex')}`;
  const secretAccessKey = randomBytes(24).toString('hex');
  const dataDir = mkdtempSync(join(tmpdir(), 'cnpg-s3-'));
  dirs.add(dataDir);
  const host = placement?.host ?? '127.0.0.1';
  let port = 0;
  let child: ChildProcess | undefined;
  // This process's way to the server: itself, or a tunnel into its namespace.
  let local = '';
  let tunnel: Tunnel | undefined;

  const launch = async (): Promise<void> => {
    const args = flavor.args(host, port, dataDir);
    const [command, argv] = placement ? ['nsenter', inNetns(placement.netns, flavor.command, args)] : [flavor.command, args];
    const proc = spawn(command, argv, {
      env: { ...process.env, ...flavor.env(accessKeyId, secretAccessKey) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = proc;
    live.add(proc);
    let stderr = '';
    proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    proc.on('exit', () => live.delete(proc));
    // A server a test forgot to stop must not keep node alive; the 'exit' hook above kills it.
    proc.unref();
    (proc.stderr as Socket | null)?.unref();
    if (placement) {
      await tunnel?.close();
      tunnel = await tunnelInto(placement.netns, host, port);
    }
    local = `http://127.0.0.1:${tunnel?.port ?? port}`;
    await waitUntilAnswering(`${local}${flavor.readyPath}`, proc, () => stderr, 'S3 server');
  };

  const halt = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  // The free port may be taken by someone else before the server binds it: try another.
  for (let attempt = 1; ; attempt++) {
    port = await (placement ? randomPort() : freePort());
    try {
      await launch();
      break;
    } catch (err) {
      await halt();
      if (attempt === 3) {
        await tunnel?.close();
        rmSync(dataDir, { recursive: true, force: true });
        dirs.delete(dataDir);
        throw err;
      }
    }
  }
  const endpoint = `http://${host}:${port}`;
  return {
    endpoint,
    accessKeyId,
    secretAccessKey,
    region: REGION,
    dataDir,
    async createBucket(name: string): Promise<void> {
      const s3 = new S3Client({ endpoint: local, region: REGION, forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
      try {
        await s3.send(new CreateBucketCommand({ Bucket: name }));
      } finally {
        s3.destroy();
      }
    },
    async stop(): Promise<void> {
      await halt();
      await tunnel?.close();
      rmSync(dataDir, { recursive: true, force: true });
      dirs.delete(dataDir);
    },
    async restart(): Promise<void> {
      await halt();
      await launch();
    },
  };
}

/** A barmanObjectStore stanza on `server` (credentials in Secret s3-creds), gzip for WAL and data, each line indented. */
export function gzipStoreYaml(server: S3Server, indent: string, path: string): string {
  return [
    'barmanObjectStore:',
    `  destinationPath: ${path}`,
    `  endpointURL: ${server.endpoint}`,
    '  s3Credentials:',
    '    accessKeyId: { name: s3-creds, key: ACCESS_KEY_ID }',
    '    secretAccessKey: { name: s3-creds, key: SECRET_ACCESS_KEY }',
    '  wal: { compression: gzip }',
    '  data: { compression: gzip }',
  ]
    .map((l) => indent + l)
    .join('\n');
}
