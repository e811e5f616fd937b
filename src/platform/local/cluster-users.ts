// One operating-system user per cluster when the control plane runs as root. A cluster's database
// superuser can read any file its server's user can (pg_read_file, COPY ... TO PROGRAM), so that
// user must not be able to read another cluster's credentials or manager token. Without root there
// is one account for everything; docs/security.md says what that means.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { lookupUser, userById, type OsUser } from './home.js';
import { writeOwnedFile } from './owned-files.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** Kept in the cluster's folder (root's, 0711); `created` says the platform made the user and removes it. */
interface UserRecord {
  name: string;
  created: boolean;
}

const RECORD = 'os-user.json';
/** Exit statuses of useradd/userdel worth retrying: the password file is locked, the user still runs a process. */
const BUSY = new Set([1, 8, 10]);
const ATTEMPTS = 50;

/** Short (17 characters), valid everywhere, and different for the same cluster name in another CNPG_HOME. */
export function clusterUserName(homeRoot: string, namespace: string, cluster: string): string {
  return `cnpg-${createHash('sha256').update(`${homeRoot}\0${namespace}/${cluster}`).digest('hex').slice(0, 12)}`;
}

function run(file: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 30_000 }, (error, _stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stderr: String(stderr).trim() || (error?.message ?? '') });
    });
  });
}

async function retrying(what: string, file: string, args: string[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const { code, stderr } = await run(file, args);
    if (code === 0) return;
    if (!BUSY.has(code) || attempt >= ATTEMPTS) throw new Error(`${what}: ${file} exited ${code}: ${stderr}`);
    await sleep(200);
  }
}

function sbin(tool: string): string {
  return ['/usr/sbin', '/sbin'].map((d) => join(d, tool)).find(existsSync) ?? tool;
}

export class ClusterUsers {
  private readonly known = new Map<string, OsUser>();

  constructor(
    private readonly homeRoot: string,
    private readonly asRoot: boolean,
  ) {}

  /** The account everything runs under without root. */
  private static self(): OsUser {
    const u = userInfo();
    return { name: u.username, uid: u.uid, gid: u.gid };
  }

  /**
   * The user a cluster's instances run as, once the cluster has one: the recorded one, or for a
   * cluster created before users were per cluster, the owner of its instance folders (adopted).
   * Undefined when root has not created one yet.
   */
  of(clusterDir: string): OsUser | undefined {
    if (!this.asRoot) return ClusterUsers.self();
    const cached = this.known.get(clusterDir);
    if (cached) return cached;
    const record = this.readRecord(clusterDir) ?? this.adoptLegacy(clusterDir);
    if (!record) return undefined;
    const user = lookupUser(record.name);
    if (!user) return undefined;
    if (user.uid === 0) throw new Error(`${join(clusterDir, RECORD)} names ${record.name}, a root account; instances never run as root`);
    const found = { name: user.name, uid: user.uid, gid: user.gid };
    this.known.set(clusterDir, found);
    return found;
  }

  /** As `of`, creating the cluster's user first when it has none (its first instance is being created). */
  async ensure(clusterDir: string, namespace: string, cluster: string): Promise<OsUser> {
    this.secureClusterDir(clusterDir);
    const existing = this.of(clusterDir);
    if (existing) return existing;
    const name = this.readRecord(clusterDir)?.name ?? clusterUserName(this.homeRoot, namespace, cluster);
    // Recorded before it exists: a crash between the two still leaves a user the platform knows it made.
    writeOwnedFile(join(clusterDir, RECORD), JSON.stringify({ name, created: true } satisfies UserRecord) + '\n', undefined, 0o644);
    const present = lookupUser(name);
    if (present && present.home !== clusterDir) {
      throw new Error(`the operating-system user ${name} already exists and is not cluster ${namespace}/${cluster}'s (its home is ${present.home}); remove it or use another CNPG_HOME`);
    }
    if (!present) {
      await retrying(`creating the operating-system user ${name} for cluster ${namespace}/${cluster}`, sbin('useradd'), [
        '--system', '--user-group', '--no-create-home', '--home-dir', clusterDir, '--shell', '/usr/sbin/nologin', '--comment', `cnpg-ts cluster ${namespace}/${cluster}`, name,
      ]);
    }
    const user = this.of(clusterDir);
    if (!user) throw new Error(`the operating-system user ${name} was created but cannot be found in /etc/passwd`);
    return user;
  }

  /** Removes the cluster's user once its instances are gone, if the platform created it. */
  async release(clusterDir: string): Promise<void> {
    if (!this.asRoot) return;
    const record = this.readRecord(clusterDir);
    this.known.delete(clusterDir);
    if (!record) return;
    if (record.created && lookupUser(record.name)) {
      await retrying(`removing the operating-system user ${record.name}`, sbin('userdel'), [record.name]);
    }
    rmSync(join(clusterDir, RECORD), { force: true });
  }

  /** The cluster's folder holds root's records of it (this one, the endpoints): root's, and only enterable by others. */
  private secureClusterDir(clusterDir: string): void {
    mkdirSync(clusterDir, { recursive: true, mode: 0o711 });
    if (!lstatSync(clusterDir).isDirectory()) throw new Error(`${clusterDir} is not a folder`);
    chownSync(clusterDir, 0, 0);
    chmodSync(clusterDir, 0o711);
  }

  private readRecord(clusterDir: string): UserRecord | undefined {
    const file = join(clusterDir, RECORD);
    if (!existsSync(file)) return undefined;
    const st = lstatSync(file);
    // Only a record root wrote counts: a folder the instances' user could write in may hold anything.
    if (!st.isFile() || st.uid !== 0 || lstatSync(clusterDir).uid !== 0) throw new Error(`${file} is not root's own file; refusing to trust it`);
    return JSON.parse(readFileSync(file, 'utf8')) as UserRecord;
  }

  /** A cluster from before per-cluster users keeps running as the user that owns its instances' folders. */
  private adoptLegacy(clusterDir: string): UserRecord | undefined {
    if (!existsSync(clusterDir)) return undefined;
    for (const entry of readdirSync(clusterDir)) {
      const dir = join(clusterDir, entry);
      if (!existsSync(join(dir, 'platform.json'))) continue;
      const owner = userById(lstatSync(dir).uid);
      if (!owner || owner.uid === 0) continue;
      this.secureClusterDir(clusterDir);
      const record: UserRecord = { name: owner.name, created: false };
      writeOwnedFile(join(clusterDir, RECORD), JSON.stringify(record) + '\n', undefined, 0o644);
      return record;
    }
    return undefined;
  }
}
