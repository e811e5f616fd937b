// A Google Cloud Storage emulator for tests: fake-gcs-server built from Go modules by
// scripts/gcs-emulator.sh, one private process per call on a free 127.0.0.1 port with its own
// folder. It accepts any (or no) credentials.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtPath } from './build-script.js';
import { freePort } from './s3.js';
import { startServerProcess } from './server-process.js';

export interface GcsEmulator {
  /** http://127.0.0.1:PORT: the JSON API's base (endpointURL, STORAGE_EMULATOR_HOST). */
  endpoint: string;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('../../../scripts/gcs-emulator.sh', import.meta.url));
let built: Promise<string> | undefined;

export async function startGcsEmulator(): Promise<GcsEmulator> {
  built ??= builtPath(SCRIPT, ['build']);
  const bin = await built;
  // The free port may be taken by someone else before the server binds it: try another.
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'cnpg-gcs-'));
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    try {
      const server = await startServerProcess({
        name: 'fake-gcs-server',
        command: bin,
        args: ['-scheme', 'http', '-host', '127.0.0.1', '-port', String(port), '-backend', 'filesystem', '-filesystem-root', dir, '-external-url', endpoint, '-public-host', `127.0.0.1:${port}`, '-log-level', 'error'],
        dir,
        readyURL: `${endpoint}/storage/v1/b?project=test`,
      });
      return {
        endpoint,
        async createBucket(name: string): Promise<void> {
          const res = await fetch(`${endpoint}/storage/v1/b?project=test`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name }) });
          if (!res.ok) throw new Error(`cannot create bucket ${name}: HTTP ${res.status} ${await res.text()}`);
          await res.arrayBuffer();
        },
        stop: server.stop,
      };
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
}
