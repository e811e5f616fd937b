// Azurite (the npm devDependency) as an Azure Blob Storage server for tests: one private process
// per call on a free 127.0.0.1 port, its own folder, and a generated account name and key (never
// the emulator's well-known one). No telemetry, no access log.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './s3.js';

export interface Azurite {
  /** http://127.0.0.1:PORT/ACCOUNT: the emulator form of an account's blob endpoint. */
  serviceURL: string;
  account: string;
  key: string;
  connectionString: string;
  createContainer(name: string): Promise<void>;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export async function startAzurite(): Promise<Azurite> {
  const main = createRequire(import.meta.url).resolve('azurite/dist/src/blob/main.js');
  const account = `cnpg${randomBytes(4).toString('hex')}`;
  const key = randomBytes(64).toString('base64');
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'cnpg-azurite-'));
    const port = await freePort();
    const child = spawn(process.execPath, [main, '--blobHost', '127.0.0.1', '--blobPort', String(port), '--location', dir, '--silent', '--disableTelemetry', '--skipApiVersionCheck'], {
      env: { ...process.env, AZURITE_ACCOUNTS: `${account}:${key}` },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    live.add(child);
    child.on('exit', () => live.delete(child));
    child.unref();
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const serviceURL = `http://127.0.0.1:${port}/${account}`;
    const connectionString = `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${key};BlobEndpoint=${serviceURL};`;
    const stop = async (): Promise<void> => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    };
    try {
      await waitForPort(serviceURL, child, () => stderr);
    } catch (err) {
      await stop();
      if (attempt === 3) throw err;
      continue;
    }
    return {
      serviceURL,
      account,
      key,
      connectionString,
      async createContainer(name: string): Promise<void> {
        const { BlobServiceClient } = await import('@azure/storage-blob');
        await BlobServiceClient.fromConnectionString(connectionString).getContainerClient(name).create();
      },
      stop,
    };
  }
}

async function waitForPort(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`Azurite exited (${child.exitCode ?? child.signalCode}):\n${stderr()}`);
    try {
      // Any HTTP answer (an authentication error included) means it listens.
      await (await fetch(`${url}?comp=list`, { signal: AbortSignal.timeout(1_000) })).arrayBuffer();
      return;
    } catch {
      await sleep(100);
    }
  }
  child.kill('SIGKILL');
  throw new Error(`Azurite at ${url} did not answer within 30 s:\n${stderr()}`);
}
