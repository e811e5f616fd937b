// A real OpenLDAP server (Debian's slapd) of the test's own: its configuration, database and
// pid file in a folder of its own, listening on a free loopback port, run in the foreground as
// the test's child so that stopping it is killing that child. Debian's packaged service is never
// started or touched.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const SLAPD = '/usr/sbin/slapd';
export const SUFFIX = 'dc=example,dc=com';
export const PEOPLE = `ou=people,${SUFFIX}`;
const ROOT_DN = `cn=admin,${SUFFIX}`;

export const hasSlapd = (): boolean => existsSync(SLAPD) && existsSync('/usr/bin/ldapmodify');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

export interface Person {
  uid: string;
  password: string;
}

export class Slapd {
  readonly dir = mkdtempSync(join(tmpdir(), 'ldap-slapd-'));
  private readonly rootPassword = 'admin-secret';
  private child?: ChildProcess;
  port = 0;

  /** Starts a directory with the people and service accounts given, each with its password. */
  async start(people: Person[], services: Person[]): Promise<void> {
    const db = join(this.dir, 'db');
    mkdirSync(db);
    const conf = join(this.dir, 'slapd.conf');
    writeFileSync(
      conf,
      [
        ...['core', 'cosine', 'inetorgperson'].map((s) => `include /etc/ldap/schema/${s}.schema`),
        `pidfile ${join(this.dir, 'slapd.pid')}`,
        `argsfile ${join(this.dir, 'slapd.args')}`,
        'modulepath /usr/lib/ldap',
        'moduleload back_mdb',
        'database mdb',
        'maxsize 10485760',
        `suffix "${SUFFIX}"`,
        `rootdn "${ROOT_DN}"`,
        `rootpw ${this.rootPassword}`,
        `directory ${db}`,
        // Anyone may bind with an entry's password; only its owner and the root read or change it.
        'access to attrs=userPassword by self write by anonymous auth by * none',
        'access to * by * read',
        '',
      ].join('\n'),
    );
    const entry = (rdn: string, under: string, p: Person, objectClass: string) =>
      `dn: ${rdn}=${p.uid},${under}\nobjectClass: ${objectClass}\n${rdn}: ${p.uid}\n` +
      (objectClass === 'inetOrgPerson' ? `sn: ${p.uid}\ncn: ${p.uid}\n` : '') +
      `userPassword: ${p.password}\n`;
    const ldif = [
      `dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n`,
      `dn: ${PEOPLE}\nobjectClass: organizationalUnit\nou: people\n`,
      ...people.map((p) => entry('uid', PEOPLE, p, 'inetOrgPerson')),
      ...services.map((s) => `dn: cn=${s.uid},${SUFFIX}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: ${s.uid}\nuserPassword: ${s.password}\n`),
    ].join('\n');
    const added = spawnSync('/usr/sbin/slapadd', ['-f', conf, '-b', SUFFIX], { input: ldif, encoding: 'utf8' });
    if (added.status !== 0) throw new Error(`slapadd failed: ${added.stderr}`);
    this.port = await freePort();
    // -d keeps slapd in the foreground (a child of the test); level 0 logs nothing but fatal errors.
    this.child = spawn(SLAPD, ['-d', '0', '-f', conf, '-h', `ldap://127.0.0.1:${this.port}/`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    this.child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    for (let i = 0; i < 100; i++) {
      if (await listening(this.port)) return;
      if (this.child.exitCode !== null) break;
      await sleep(100);
    }
    throw new Error(`slapd did not start on 127.0.0.1:${this.port}: ${stderr}`);
  }

  /** Sets a service account's password, as the directory's administrator. */
  setServicePassword(cn: string, password: string): void {
    const change = `dn: cn=${cn},${SUFFIX}\nchangetype: modify\nreplace: userPassword\nuserPassword: ${password}\n`;
    const passwordFile = join(this.dir, 'root-password');
    writeFileSync(passwordFile, this.rootPassword, { mode: 0o600 });
    const r = spawnSync('/usr/bin/ldapmodify', ['-x', '-H', `ldap://127.0.0.1:${this.port}/`, '-D', ROOT_DN, '-y', passwordFile], { input: change, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ldapmodify failed: ${r.stderr}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
