// Azurite (the npm devDependency) as an Azure Blob Storage server for tests: one private process
// per call on a free 127.0.0.1 port, its own folder, and a generated account name and key (never
// the emulator's well-known one). No telemetry, no access log.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './s3.js';
import { startServerProcess } from './server-process.js';

export interface Azurite {
  /** http://127.0.0.1:PORT/ACCOUNT: the emulator form of an account's blob endpoint. */
  serviceURL: string;
  account: string;
  key: string;
  connectionString: string;
  createContainer(name: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startAzurite(): Promise<Azurite> {
  const main = createRequire(import.meta.url).resolve('azurite/dist/src/blob/main.js');
  const account = `cnpg${randomBytes(4).toString('hex')}`;
  const key = randomBytes(64).toString('base64');
  // The free port may be taken by someone else before the server binds it: try another.
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'cnpg-azurite-'));
    const port = await freePort();
    const serviceURL = `http://127.0.0.1:${port}/${account}`;
    try {
      const server = await startServerProcess({
        name: 'Azurite',
        command: process.execPath,
        args: [main, '--blobHost', '127.0.0.1', '--blobPort', String(port), '--location', dir, '--silent', '--disableTelemetry', '--skipApiVersionCheck'],
        env: { AZURITE_ACCOUNTS: `${account}:${key}` },
        dir,
        // Any HTTP answer (an authentication error included) means it listens.
        readyURL: `${serviceURL}?comp=list`,
        okOnly: false,
      });
      const connectionString = `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${key};BlobEndpoint=${serviceURL};`;
      return {
        serviceURL,
        account,
        key,
        connectionString,
        async createContainer(name: string): Promise<void> {
          const { BlobServiceClient } = await import('@azure/storage-blob');
          await BlobServiceClient.fromConnectionString(connectionString).getContainerClient(name).create();
        },
        stop: server.stop,
      };
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
}
