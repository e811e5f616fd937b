// PostgreSQL tools and servers outside any cluster, run as the postgres user when the test runs as
// root (PostgreSQL refuses root): barman-cloud's clients, and a server started on restored data.
import { spawn } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { resolveInstallation } from '../../src/postgres/binaries.js';
import type { S3Server } from './s3.js';

export class PostgresUser {
  readonly bin = resolveInstallation(undefined).binDir;
  readonly root = userInfo().uid === 0;
  private uid = 0;
  private gid = 0;
  private readonly started: string[] = [];

  /** `work` becomes the postgres user's; `s3`'s credentials go into every command's environment. */
  constructor(
    readonly work: string,
    private readonly s3?: () => S3Server,
  ) {}

  async prepare(): Promise<void> {
    if (!this.root) return;
    const id = (flag: string) => new Promise<number>((resolve) => spawn('id', [flag, 'postgres']).stdout.on('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    this.uid = await id('-u');
    this.gid = await id('-g');
    chownSync(this.work, this.uid, this.gid);
  }

  run(cmd: string, args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
    const [file, argv] = this.root ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
    const s3 = this.s3?.();
    const credentials = s3 ? { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_DEFAULT_REGION: s3.region } : {};
    return new Promise((resolve, reject) => {
      const child = spawn(file, argv, { env: { ...process.env, ...credentials, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${out}`))));
    });
  }

  own(path: string): void {
    if (this.root) chownSync(path, this.uid, this.gid);
  }

  ownedDir(name: string): string {
    const dir = join(this.work, name);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.own(dir);
    return dir;
  }

  /**
   * A restored copy keeps the configuration of the instance it came from, whose certificate files
   * and peer map belong to that cluster's own operating-system user: the copy runs without TLS and
   * trusts its local socket, which only this test can reach.
   */
  async start(pgdata: string, port: number, socketDir: string): Promise<void> {
    const log = join(this.work, `${port}.log`);
    const hba = join(this.work, 'local-trust-hba.conf');
    writeFileSync(hba, 'local all all trust\n', { mode: 0o644 });
    try {
      await this.run(join(this.bin, 'pg_ctl'), ['-D', pgdata, '-o', `-p ${port} -k ${socketDir} -c listen_addresses='' -c ssl=off -c hba_file=${hba}`, '-l', log, '-w', '-t', '120', 'start']);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${readFileSync(log, 'utf8').split('\n').slice(-15).join('\n')}`);
    }
    this.started.push(pgdata);
  }

  async psql(port: number, socketDir: string, query: string, database = 'postgres'): Promise<string> {
    return (await this.run(join(this.bin, 'psql'), ['-X', '-h', socketDir, '-p', String(port), '-d', database, '-Atc', query])).trim();
  }

  async stopAll(): Promise<void> {
    for (const pgdata of this.started) await this.run(join(this.bin, 'pg_ctl'), ['-D', pgdata, '-m', 'immediate', 'stop']).catch(() => undefined);
  }
}
