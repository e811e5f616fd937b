// A CNPG_HOME of a bench's own: the local control plane it starts runs there, and everything that
// ran there goes when the bench ends.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killMentioning, run, signal } from './failover/procs.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

export class BenchHome {
  readonly dir: string;

  constructor(prefix: string) {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
  }

  async cnpg(args: string[], input?: string, timeoutMs = 60_000): Promise<string> {
    const r = await run(process.execPath, [CLI, ...args], { env: { ...process.env, CNPG_HOME: this.dir }, input, timeoutMs });
    if (r.code !== 0) throw new Error(`cnpg ${args.join(' ')}: ${r.stderr.trim() || `exit ${r.code}`}`);
    return r.stdout;
  }

  /**
   * Deletes the cluster (its instances stop cleanly), stops the control plane, then kills what is
   * left: managers, postmasters, endpoint proxies and pooler managers all name the home in their
   * command line.
   */
  async remove(cluster: string): Promise<void> {
    await this.cnpg(['delete', 'cluster', cluster], undefined, 60_000).catch(() => undefined);
    await this.cnpg(['wait', '--for=delete', `cluster/${cluster}`, '--timeout=60s'], undefined, 70_000).catch(() => undefined);
    await this.cnpg(['operator', 'stop'], undefined, 30_000).catch(() => undefined);
    try {
      signal((JSON.parse(readFileSync(join(this.dir, 'operator.json'), 'utf8')) as { pid: number }).pid, 'SIGKILL');
    } catch {
      /* not running */
    }
    await killMentioning(this.dir);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
