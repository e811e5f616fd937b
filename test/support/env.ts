// A private CNPG_HOME per test file, the CLI run as a user would run it, and a cleanup that leaves
// no process or folder behind.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { instancePaths } from '../../src/instance/paths.js';
import { tableName } from '../../src/platform/local/nft-rules.js';
import { setTimeout as sleep } from 'node:timers/promises';

export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A Pod as `cnpg get pods -o json` shows it locally. */
export interface LocalPod {
  metadata: { name: string; labels: Record<string, string> };
  status: { local: { pid?: number; managerPid?: number; port: number } };
}

export class TestEnv {
  readonly home = mkdtempSync(join(tmpdir(), 'cnpg-test-'));

  get env(): NodeJS.ProcessEnv {
    return { ...process.env, CNPG_HOME: this.home };
  }

  run(args: string[], input?: string, timeoutMs = 120_000): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], { env: this.env, cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`cnpg ${args.join(' ')} timed out after ${timeoutMs} ms\n${stdout}\n${stderr}`));
      }, timeoutMs);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? 1, stdout, stderr });
      });
      child.stdin.end(input ?? '');
    });
  }

  /** Runs and insists on success, returning stdout. */
  async ok(args: string[], input?: string, timeoutMs?: number): Promise<string> {
    const r = await this.run(args, input, timeoutMs);
    if (r.code !== 0) {
      const state = args[0] === 'wait' ? `\n${await this.diagnostics()}` : '';
      throw new Error(`cnpg ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}${state}`);
    }
    return r.stdout;
  }

  /** What a person would look at when a wait times out: objects, pods and the tails of every log. */
  async diagnostics(): Promise<string> {
    const tail = (file: string, bytes = 3000): string => {
      try {
        return readFileSync(file, 'utf8').slice(-bytes);
      } catch {
        return '(none)';
      }
    };
    const parts: string[] = [];
    for (const args of [['get', 'clusters', '-o', 'yaml'], ['get', 'pods', '-o', 'wide']]) {
      const r = await this.run(args, undefined, 20_000).catch((e: Error) => ({ stdout: '', stderr: e.message }));
      parts.push(`--- cnpg ${args.join(' ')}\n${r.stdout.slice(-6000)}${r.stderr}`);
    }
    parts.push(`--- operator.log\n${tail(join(this.home, 'operator.log'), 6000)}`);
    for (const root of this.instanceRoots().filter((r) => existsSync(instancePaths(r).managerLog))) {
      const paths = instancePaths(root);
      parts.push(`--- ${paths.managerLog}\n${tail(paths.managerLog)}`, `--- ${paths.postgresLog}\n${tail(paths.postgresLog, 1500)}`);
      parts.push(`--- GET /pg/status of ${root}\n${await managerAnswer(paths.managerState)}`);
    }
    // Process titles say what each backend waits for (a lock, a synchronous commit, a client).
    parts.push(`--- processes of this home (pid ppid state wchan command)\n${processTree(this.processes()).join('\n')}`);
    return parts.join('\n');
  }

  async json<T = unknown>(args: string[]): Promise<T> {
    return JSON.parse(await this.ok([...args, '-o', 'json'])) as T;
  }

  async pods(cluster: string): Promise<LocalPod[]> {
    return (await this.json<{ items: LocalPod[] }>(['get', 'pods', '-l', `cnpg.io/cluster=${cluster}`])).items;
  }

  /** Every process whose command line mentions this home, the instances' and the endpoints' included. */
  processes(): number[] {
    const pids: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        if (cmd.includes(this.home)) pids.push(Number(entry));
      } catch {
        /* gone */
      }
    }
    return pids;
  }

  private clusterDirs(): string[] {
    const base = join(this.home, 'instances');
    const list = (dir: string) => (existsSync(dir) ? readdirSync(dir).map((d) => join(dir, d)) : []);
    return list(base).flatMap(list);
  }

  private instanceRoots(): string[] {
    return this.clusterDirs().flatMap((dir) => readdirSync(dir).map((d) => join(dir, d)));
  }

  /** The operating-system users the platform created for this home's clusters (root only). */
  private removeClusterUsers(): void {
    for (const dir of this.clusterDirs()) {
      const file = join(dir, 'os-user.json');
      if (!existsSync(file)) continue;
      const { name, created } = JSON.parse(readFileSync(file, 'utf8')) as { name: string; created: boolean };
      // A process of the user's that is still exiting makes userdel fail for a moment.
      for (let i = 0; created && i < 20 && spawnSync('userdel', [name]).status === 8; i++) spawnSync('sleep', ['0.2']);
    }
  }

  async cleanup(): Promise<void> {
    // The daemon's pid first: `operator stop` removes the file, and a daemon still finishing a
    // reconcile could otherwise start instances again while the folder is being removed.
    let daemonPid: number | undefined;
    try {
      daemonPid = (JSON.parse(readFileSync(join(this.home, 'operator.json'), 'utf8')) as { pid: number }).pid;
    } catch {
      /* not running */
    }
    spawnSync(process.execPath, [CLI, 'operator', 'stop'], { env: this.env, timeout: 30_000 });
    try {
      if (daemonPid) process.kill(daemonPid, 'SIGKILL');
    } catch {
      /* gone */
    }
    for (const pid of this.processes()) {
      try {
        process.kill(pid, 'SIGQUIT');
      } catch {
        /* gone */
      }
    }
    // postmasters are children of managers: give them a moment, then make sure
    await sleep(500);
    for (const pid of this.processes()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    spawnSync('pkill', ['-KILL', '-f', this.home]);
    // A daemon killed before it could stop leaves its endpoints' table; it is this home's alone.
    if (process.getuid?.() === 0) spawnSync('nft', ['delete', 'table', 'ip', tableName(this.home)], { stdio: 'ignore' });
    this.removeClusterUsers();
    // Instances with long paths keep their sockets in a folder under /tmp, outside the home.
    for (const root of this.instanceRoots()) {
      const socketDir = instancePaths(root).socketDir;
      if (!socketDir.startsWith(this.home)) rmSync(socketDir, { recursive: true, force: true });
    }
    // A PostgreSQL child may still be exiting and writing; rm retries ENOTEMPTY.
    rmSync(this.home, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  }
}

export async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** What a manager's status route answers within 2 s, or why it does not. */
async function managerAnswer(stateFile: string): Promise<string> {
  let port: number;
  try {
    port = (JSON.parse(readFileSync(stateFile, 'utf8')) as { statusPort: number }).statusPort;
  } catch (e) {
    return `(no ${stateFile}: ${(e as Error).message})`;
  }
  // A port that another home's daemon forwards in the kernel (nftables DNAT) is refused however it is listened on.
  const nft = spawnSync('nft', ['list', 'ruleset'], { encoding: 'utf8' });
  const forwarded = (nft.stdout ?? '').split('\n').filter((l) => new RegExp(`\\b${port}\\b`).test(l));
  const started = Date.now();
  const rules = `nftables lines naming port ${port}: ${forwarded.length ? forwarded.map((l) => l.trim()).join(' | ') : 'none'}`;
  try {
    const res = await fetch(`http://127.0.0.1:${port}/pg/status`, { signal: AbortSignal.timeout(2000) });
    return `${res.status} after ${Date.now() - started} ms: ${(await res.text()).slice(0, 1500)}\n${rules}`;
  } catch (e) {
    return `no answer after ${Date.now() - started} ms: ${(e as Error).message} (${String((e as Error).cause ?? '')})\n${rules}`;
  }
}

/** The given processes and all their descendants, one line each. */
function processTree(roots: number[]): string[] {
  const procs = new Map<number, { ppid: number; state: string; wchan: string; cmd: string }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state = '?', ppid = '0'] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      const wchan = readFileSync(`/proc/${entry}/wchan`, 'utf8');
      procs.set(Number(entry), { ppid: Number(ppid), state, wchan, cmd });
    } catch {
      /* gone */
    }
  }
  const shown = new Set(roots);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, p] of procs) if (!shown.has(pid) && shown.has(p.ppid)) grew = shown.add(pid) !== undefined;
  }
  return [...shown].flatMap((pid) => {
    const p = procs.get(pid);
    return p ? [`${pid} ${p.ppid} ${p.state} ${p.wchan || '-'} ${p.cmd.slice(0, 200)}`] : [];
  });
}

