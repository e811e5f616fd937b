// The reference: a 3-node Patroni cluster on one etcd, everything on 127.0.0.1 under a temp
// folder owned by postgres, default Patroni timings; the writer uses a libpq multi-host string.
import { randomBytes } from 'node:crypto';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import pg from 'pg';
import { isRoot, lookupUser, type OsUser } from '../../src/platform/local/home.js';
import { freePort } from '../../src/platform/local/ports.js';
import { resolveInstallation } from '../../src/postgres/binaries.js';
import { PATRONICTL } from './install.js';
import { renderPatroniConfig, SUPERUSER } from './patroni-config.js';
import { Agent, Etcd } from './patroni-procs.js';
import { killMentioning, onCleanup, poll, run, signal } from './procs.js';
import type { Health, System, Victim } from './trial.js';
import { close } from './writer.js';

export const PATRONI_KINDS = ['kill-postmaster', 'kill-patroni', 'switchover'] as const;
const SETUP_TIMEOUT_MS = 180_000;

interface Member {
  name: string;
  dir: string;
  config: string;
  pgPort: number;
  restPort: number;
  agent: Agent;
}

interface PatroniVictim extends Victim {
  postmasterPid?: number;
  agentPid?: number;
}

const secret = () => randomBytes(18).toString('base64url');

export class PatroniSystem implements System<PatroniVictim> {
  readonly name = 'patroni';
  readonly kinds = PATRONI_KINDS;
  readonly stop: () => Promise<void>;
  private readonly runAs: OsUser | undefined = isRoot() ? lookupUser('postgres') : undefined;
  private dir = '';
  private etcd?: Etcd;
  private members: Member[] = [];
  private readonly passwords = { superuser: secret(), replication: secret(), rewind: secret(), app: secret() };

  constructor(private readonly synchronous: boolean) {
    this.stop = onCleanup(() => this.teardown());
  }

  /** The folder name is unique per run and appears in every command line of ours (paths, cluster_name). */
  get tag(): string {
    return basename(this.dir);
  }

  private owned(path: string): string {
    mkdirSync(path, { recursive: true, mode: 0o700 });
    if (this.runAs) chownSync(path, this.runAs.uid, this.runAs.gid);
    return path;
  }

  async start(): Promise<void> {
    this.dir = this.owned(mkdtempSync(join(tmpdir(), 'cnpgfo-')));
    this.etcd = new Etcd(this.dir, await freePort(), await freePort(), this.runAs);
    await this.etcd.start();
    const binDir = resolveInstallation(undefined).binDir;
    this.members = [];
    for (const name of ['n1', 'n2', 'n3']) {
      const dir = this.owned(join(this.dir, name));
      const m = { name, dir, config: join(dir, 'patroni.yml'), pgPort: await freePort(), restPort: await freePort() };
      const yaml = renderPatroniConfig({ ...m, scope: this.tag, etcd: [`127.0.0.1:${this.etcd.clientPort}`], binDir, synchronous: this.synchronous, passwords: this.passwords });
      writeFileSync(m.config, yaml, { mode: 0o600 });
      if (this.runAs) chownSync(m.config, this.runAs.uid, this.runAs.gid);
      this.members.push({ ...m, agent: new Agent(name, m.config, join(dir, 'patroni.log'), this.runAs, dir) });
    }
    for (const m of this.members) m.agent.start();
    const up = await poll(async () => ((await this.health()).healthy ? true : undefined), SETUP_TIMEOUT_MS, 500);
    if (!up) throw new Error(`the Patroni cluster was not healthy within ${SETUP_TIMEOUT_MS / 1000} s: ${(await this.health()).detail} (logs under ${this.dir})`);
    await this.createApp();
  }

  /** The same kind of application role and database as the cnpg cluster's `app`. */
  private async createApp(): Promise<void> {
    const c = await this.superuser(await this.primaryMember());
    try {
      await c.query(`CREATE ROLE app LOGIN PASSWORD '${this.passwords.app}'`);
      await c.query('CREATE DATABASE app OWNER app');
    } finally {
      await close(c);
    }
  }

  conninfo(): string {
    const ports = this.members.map((m) => m.pgPort).join(',');
    return `host=127.0.0.1,127.0.0.1,127.0.0.1 port=${ports} dbname=app user=app password=${this.passwords.app} target_session_attrs=read-write`;
  }

  private async superuser(m: Member): Promise<pg.Client> {
    const c = new pg.Client({ host: '127.0.0.1', port: m.pgPort, user: SUPERUSER, password: this.passwords.superuser, database: 'postgres', connectionTimeoutMillis: 1000, query_timeout: 2000 });
    c.on('error', () => undefined);
    try {
      await c.connect();
    } catch (e) {
      await close(c);
      throw e;
    }
    return c;
  }

  /** Asks PostgreSQL itself, not Patroni: one answer per member, undefined when it does not answer. */
  private async roles(): Promise<Array<{ m: Member; primary?: boolean; streaming: string[]; sync: string[] }>> {
    return Promise.all(
      this.members.map(async (m) => {
        const c = await this.superuser(m).catch(() => undefined);
        if (!c) return { m, streaming: [], sync: [] };
        try {
          const r = await c.query<{ recovery: boolean }>('SELECT pg_is_in_recovery() AS recovery');
          const primary = r.rows[0]?.recovery === false;
          const s = primary
            ? await c.query<{ application_name: string; sync_state: string }>("SELECT application_name, sync_state FROM pg_stat_replication WHERE state = 'streaming'")
            : undefined;
          const rows = s?.rows ?? [];
          return { m, primary, streaming: rows.map((x) => x.application_name), sync: rows.filter((x) => ['sync', 'quorum'].includes(x.sync_state)).map((x) => x.application_name) };
        } catch {
          return { m, streaming: [], sync: [] };
        } finally {
          await close(c);
        }
      }),
    );
  }

  private async primaryMember(): Promise<Member> {
    const p = (await this.roles()).filter((r) => r.primary);
    if (p.length !== 1 || !p[0]) throw new Error(`${p.length} members take writes`);
    return p[0].m;
  }

  async primary(): Promise<PatroniVictim> {
    const m = await this.primaryMember();
    return { name: m.name, postmasterPid: this.postmasterPid(m), agentPid: m.agent.pid };
  }

  private postmasterPid(m: Member): number | undefined {
    try {
      return Number(readFileSync(join(m.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return undefined;
    }
  }

  async inject(kind: string, v: PatroniVictim): Promise<void> {
    const m = this.members.find((x) => x.name === v.name);
    if (!m) throw new Error(`no member ${v.name}`);
    switch (kind) {
      case 'kill-postmaster':
        if (!v.postmasterPid || !signal(v.postmasterPid, 'SIGKILL')) throw new Error(`no postmaster to kill on ${v.name}`);
        return;
      case 'kill-patroni':
        if (!v.agentPid || !signal(v.agentPid, 'SIGKILL')) throw new Error(`no patroni process to kill on ${v.name}`);
        return;
      case 'switchover': {
        const r = await run(PATRONICTL, ['-c', m.config, 'switchover', '--force'], { uid: this.runAs?.uid, gid: this.runAs?.gid, env: { PATH: process.env.PATH, HOME: m.dir, LANG: 'C.UTF-8' }, timeoutMs: 120_000 });
        // patronictl exits 0 even when the leader refuses ("Switchover failed, details: 412 …").
        if (r.code !== 0 || !/switched over to/i.test(r.stdout)) throw new Error(`patronictl switchover: ${(r.stderr.trim() || r.stdout.trim()).split('\n').at(-1)}`);
        return;
      }
      default:
        throw new Error(`patroni: unknown failure kind ${kind}`);
    }
  }

  /**
   * Healthy: PostgreSQL says one primary with both others streaming from it, every agent's REST
   * API answers (a killed agent is back), and the DCS (GET /cluster) names that primary leader
   * with every member running.
   */
  async health(after?: { kind: string; victim: PatroniVictim }): Promise<Health> {
    const roles = await this.roles();
    const primaries = roles.filter((r) => r.primary);
    const p = primaries[0];
    if (primaries.length !== 1 || !p) return { healthy: false, detail: `${primaries.length} members take writes` };
    if (after?.kind === 'switchover' && p.m.name === after.victim.name) return { healthy: false, detail: `${p.m.name} still primary` };
    for (const r of roles.filter((x) => x !== p)) {
      if (!p.streaming.includes(r.m.name)) return { healthy: false, detail: `${r.m.name} not streaming from ${p.m.name}` };
    }
    if (this.synchronous && p.sync.length === 0) return { healthy: false, detail: `no synchronous standby on ${p.m.name}` };
    let dcs: { members?: Array<{ name: string; role: string; state: string }> } | undefined;
    for (const m of this.members) {
      const res = await fetch(`http://127.0.0.1:${m.restPort}/patroni`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
      if (!res) return { healthy: false, detail: `the patroni agent of ${m.name} does not answer` };
      await res.body?.cancel();
      if (!dcs) dcs = (await (await fetch(`http://127.0.0.1:${m.restPort}/cluster`, { signal: AbortSignal.timeout(1000) })).json()) as typeof dcs;
    }
    const members = dcs?.members ?? [];
    const leader = members.filter((x) => x.role === 'leader');
    if (leader.length !== 1 || leader[0]?.name !== p.m.name) return { healthy: false, detail: `DCS leader ${leader.map((x) => x.name).join(',') || 'none'}, PostgreSQL primary ${p.m.name}` };
    const notRunning = members.filter((x) => x.state !== 'running' && x.state !== 'streaming');
    if (members.length !== this.members.length || notRunning.length > 0) return { healthy: false, detail: `DCS: ${members.map((x) => `${x.name} ${x.state}`).join(', ')}` };
    // Patroni fails over (and switches over) only to the member the DCS names sync_standby.
    if (this.synchronous && !members.some((x) => x.role === 'sync_standby')) return { healthy: false, detail: 'no sync_standby in the DCS' };
    return { healthy: true, detail: 'healthy', primary: p.m.name };
  }

  async recreate(): Promise<void> {
    await this.teardown();
    await this.start();
  }

  private async teardown(): Promise<void> {
    if (!this.dir) return;
    await Promise.all(this.members.map((m) => m.agent.stop()));
    await this.etcd?.stop();
    // Anything left (a postmaster an agent did not stop, its backends, pg_rewind) names the tag.
    await killMentioning(this.tag);
    rmSync(this.dir, { recursive: true, force: true });
    this.dir = '';
  }
}
