// An instance manager started directly from a spec the test writes, without a control plane:
// for testing what one manager does (its exporter, say) against a real PostgreSQL. As root the
// manager runs as Debian's `postgres` user, since PostgreSQL refuses to run as root.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { instancePaths } from '../../src/instance/paths.js';
import type { Credentials, InstanceSpec, MonitoringSpec } from '../../src/instance/spec.js';
import { eventually } from './env.js';
import { freePort } from './s3.js';

const MANAGER_MAIN = fileURLToPath(new URL('../../src/instance/main.js', import.meta.url));
const BIN_DIR = '/usr/lib/postgresql/15/bin';
const TOKEN = 'standalone-test-token';

interface OsUser {
  name: string;
  uid?: number;
  gid?: number;
}

function managerUser(): OsUser {
  if (process.getuid?.() !== 0) return { name: userInfo().username };
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { name: 'postgres', uid: id('-u'), gid: id('-g') };
}

export interface StandaloneOptions {
  name: string;
  monitoring?: MonitoringSpec;
  /** Follow this primary as a standby (cloned with pg_basebackup). */
  primary?: StandaloneInstance;
  /** Physical slots a primary keeps (for its standbys), and the one a standby streams through. */
  replicationSlots?: string[];
  slotName?: string;
}

export class StandaloneInstance {
  private child?: ChildProcess;

  private constructor(
    readonly dir: string,
    public spec: InstanceSpec,
    private readonly user: OsUser,
  ) {}

  static async start(options: StandaloneOptions): Promise<StandaloneInstance> {
    const user = managerUser();
    const dir = mkdtempSync(join(tmpdir(), `cnpg-${options.name}-`));
    chmodSync(dir, 0o700);
    if (user.uid !== undefined) chownSync(dir, user.uid, user.gid!);
    const [pgPort, statusPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
    const primary = options.primary;
    const spec: InstanceSpec = {
      namespace: 'default',
      cluster: 'standalone',
      name: options.name,
      serial: 1,
      generation: 1,
      binDir: BIN_DIR,
      major: 15,
      osUser: user.name,
      pgPort,
      statusPort,
      metricsPort,
      role: primary ? 'replica' : 'primary',
      ...(primary ? { primary: { name: primary.spec.name, host: '127.0.0.1', port: primary.spec.pgPort } } : {}),
      bootstrap: primary
        ? { kind: 'join' }
        : { kind: 'initdb', database: 'app', owner: 'app', encoding: 'UTF8', localeCollate: 'C', localeCType: 'C', dataChecksums: false, postInitSQL: [], postInitApplicationSQL: [], postInitTemplateSQL: [] },
      parameters: {},
      pgHba: [],
      pgIdent: [],
      localRoles: ['app'],
      replicationSlots: options.replicationSlots ?? [],
      ...(options.slotName ? { slotName: options.slotName } : {}),
      enableSuperuserAccess: false,
      managedRoles: [],
      fenced: false,
      peers: [],
      isolationTimeoutMs: 3_600_000,
      ...(options.monitoring ? { monitoring: options.monitoring } : {}),
    };
    const instance = new StandaloneInstance(dir, spec, user);
    instance.writeSpec();
    instance.spawn();
    await eventually(`${options.name} running`, async () => (await instance.status())?.ready === true || undefined, 120_000, 250).catch(async (e: Error) => {
      await instance.stop();
      throw e;
    });
    return instance;
  }

  private writeFile(path: string, content: string): void {
    writeFileSync(path, content, { mode: 0o600 });
    if (this.user.uid !== undefined) chownSync(path, this.user.uid, this.user.gid!);
  }

  private writeSpec(): void {
    const paths = instancePaths(this.dir, this.spec.pgPort);
    const creds: Credentials = { app: { username: 'app', password: 'app-password' }, replicationPassword: 'replication-password', rolePasswords: {}, managerToken: TOKEN };
    this.writeFile(paths.spec, JSON.stringify(this.spec, null, 2) + '\n');
    this.writeFile(paths.credentials, JSON.stringify(creds) + '\n');
  }

  private spawn(): void {
    // The heap limits the platforms start managers with, so memory figures taken here are theirs.
    this.child = spawn(process.execPath, ['--max-old-space-size=64', '--max-semi-space-size=1', MANAGER_MAIN, this.dir], {
      stdio: ['ignore', 'ignore', 'ignore'],
      uid: this.user.uid,
      gid: this.user.gid,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: this.dir, TZ: 'UTC' },
    });
  }

  /** Signals the manager process, as a kubelet or the local platform does. */
  signal(sig: NodeJS.Signals): void {
    this.child?.kill(sig);
  }

  get token(): string {
    return TOKEN;
  }

  get metricsUrl(): string {
    return `http://127.0.0.1:${this.spec.metricsPort}/metrics`;
  }

  get socketDir(): string {
    return instancePaths(this.dir, this.spec.pgPort).socketDir;
  }

  async status(): Promise<{ phase?: string; ready?: boolean } | undefined> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.spec.statusPort}/pg/status`, { signal: AbortSignal.timeout(2000) });
      return res.ok ? ((await res.json()) as { phase?: string; ready?: boolean }) : undefined;
    } catch {
      return undefined;
    }
  }

  async scrape(): Promise<string> {
    const res = await fetch(this.metricsUrl, { signal: AbortSignal.timeout(20_000) });
    if (!res.ok) throw new Error(`GET /metrics answered ${res.status}: ${await res.text()}`);
    return res.text();
  }

  /** Rewrites the spec (a new generation) and has the manager reconcile, as the operator does. */
  async update(change: (spec: InstanceSpec) => InstanceSpec): Promise<void> {
    this.spec = { ...change(this.spec), generation: this.spec.generation + 1 };
    this.writeSpec();
    const res = await fetch(`http://127.0.0.1:${this.spec.statusPort}/reconcile`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(15_000) });
    if (!res.ok) throw new Error(`reconcile answered ${res.status}: ${await res.text()}`);
  }

  /** Runs SQL as the superuser over the socket (psql as the manager's user). */
  psql(sql: string, database = 'app'): string {
    return execFileSync(join(BIN_DIR, 'psql'), ['-h', this.socketDir, '-p', String(this.spec.pgPort), '-U', 'postgres', '-d', database, '-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
      encoding: 'utf8',
      uid: this.user.uid,
      gid: this.user.gid,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: this.dir },
    }).trim();
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(20_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    // A postmaster left behind (the manager killed) is stopped before its folder goes.
    try {
      execFileSync(join(BIN_DIR, 'pg_ctl'), ['-D', instancePaths(this.dir, this.spec.pgPort).pgdata, 'stop', '-m', 'immediate'], { stdio: 'ignore', uid: this.user.uid, gid: this.user.gid });
    } catch {
      // not running
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
