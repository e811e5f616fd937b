// spec.postgresql.ldap against a real slapd (local platform): simple bind, then search+bind with
// the bind password from a Secret, a rotated password reaching pg_hba.conf, a user pg_hba line
// naming ldap still working, and the bind password kept out of logs, status, events, the
// instance spec and process arguments.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TestEnv, eventually } from './support/env.js';
import { canLogIn } from './support/login.js';
import { PEOPLE, SUFFIX, Slapd, hasSlapd } from './support/slapd.js';

const skip = hasSlapd() ? false : 'needs Debian slapd and ldap-utils (apt-get install slapd ldap-utils)';
const env = new TestEnv();
const slapd = new Slapd();
const NS = 'ldap';
const ALICE = { uid: 'alice', password: 'alice-ldap-pw' };
const CAROL = { uid: 'carol', password: 'carol-ldap-pw' };
const READER = { uid: 'reader', password: 'Reader "one" #1, x' };
const READER_ROTATED = 'Reader-two-rotated';

const bindSecret = (password: string) => `
apiVersion: v1
kind: Secret
metadata:
  name: ldap-bind
  namespace: ${NS}
stringData:
  password: '${password}'
`;

const cluster = (ldap: string) => `
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: dir
  namespace: ${NS}
spec:
  instances: 1
  enableSuperuserAccess: true
  storage:
    size: 1Gi
  managed:
    roles:
      - name: alice
        login: true
      - name: carol
        login: true
  postgresql:
    pg_hba:
      - host all carol all ldap ldapserver=127.0.0.1 ldapport=${slapd.port} ldapprefix="uid=" ldapsuffix=",${PEOPLE}"
    ldap:
      server: 127.0.0.1
      port: ${slapd.port}
${ldap}`;

const bindAs = `      bindAsAuth:
        prefix: "uid="
        suffix: ",${PEOPLE}"
`;
const bindSearch = `      bindSearchAuth:
        baseDN: "${PEOPLE}"
        bindDN: "cn=reader,${SUFFIX}"
        bindPassword:
          name: ldap-bind
          key: password
        searchAttribute: uid
`;

let server: URL;

function logsIn(user: string, password: string): Promise<boolean> {
  const url = new URL(server);
  url.username = user;
  url.password = password;
  return canLogIn(url.toString());
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));
}

before(async () => {
  if (skip) return;
  await slapd.start([ALICE, CAROL], [READER]);
  await env.ok(['apply', '-f', '-'], bindSecret(READER.password));
  await env.ok(['apply', '-f', '-'], cluster(bindAs));
  await env.ok(['wait', '--for=condition=Ready', 'cluster/dir', '-n', NS, '--timeout=180s'], undefined, 200_000);
  const s = await env.json<{ data: Record<string, string> }>(['get', 'secret', 'dir-superuser', '-n', NS]);
  server = new URL(Buffer.from(s.data.uri ?? '', 'base64').toString('utf8'));
  server.pathname = '/postgres';
  // The LDAP rule covers IPv4 clients (0.0.0.0/0), as CloudNativePG's does.
  if (server.hostname === 'localhost') server.hostname = '127.0.0.1';
});

after(async () => {
  await env.cleanup();
  await slapd.stop();
});

test('simple bind: the LDAP user logs in with the directory password, not with a wrong one', { skip }, async () => {
  await eventually('alice in through LDAP', () => logsIn('alice', ALICE.password), 60_000);
  assert.equal(await logsIn('alice', 'wrong'), false);
  assert.equal(await logsIn('alice', CAROL.password), false);
});

test("a user's pg_hba line naming ldap keeps working alongside the spec's rule", { skip }, async () => {
  assert.ok(await logsIn('carol', CAROL.password));
  assert.equal(await logsIn('carol', 'wrong'), false);
});

test('search+bind with the bind password from a Secret', { skip }, async () => {
  await env.ok(['apply', '-f', '-'], cluster(bindSearch));
  const hba = await eventually('pg_hba.conf in search+bind mode', async () => {
    const file = filesUnder(env.home).find((f) => f.endsWith('/pg_hba.conf'));
    const text = file ? readFileSync(file, 'utf8') : '';
    return text.includes('ldapbasedn=') ? { file: file as string, text } : undefined;
  }, 60_000);
  assert.equal(statSync(hba.file).mode & 0o777, 0o600);
  assert.ok(hba.text.includes('ldapbindpasswd="Reader ""one"" #1, x"'), 'the password quoted as pg_hba reads it');
  await eventually('alice in through search+bind', () => logsIn('alice', ALICE.password), 60_000);
  assert.equal(await logsIn('alice', 'wrong'), false);
  assert.equal(await logsIn('nobody', ALICE.password), false);
});

test('a bind password rotated in the directory and then in the Secret reaches pg_hba.conf', { skip }, async () => {
  slapd.setServicePassword(READER.uid, READER_ROTATED);
  assert.equal(await logsIn('alice', ALICE.password), false, 'the old bind password no longer binds');
  await env.ok(['apply', '-f', '-'], bindSecret(READER_ROTATED));
  await eventually('alice in with the rotated bind password', () => logsIn('alice', ALICE.password), 60_000);
});

test('the bind password stays out of logs, status, events, the instance spec and process arguments', { skip }, async () => {
  const secrets = [READER.password, READER_ROTATED];
  const leaks = (text: string) => secrets.some((s) => text.includes(s));
  for (const file of filesUnder(env.home).filter((f) => f.endsWith('.log') || f.endsWith('instance.json'))) {
    assert.ok(!leaks(readFileSync(file, 'utf8')), `${file} holds the bind password`);
  }
  assert.ok(!leaks(await env.ok(['get', 'cluster', 'dir', '-n', NS, '-o', 'yaml'])));
  assert.ok(!leaks(await env.ok(['get', 'events', '-n', NS])));
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let args = '';
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    assert.ok(!leaks(args), `process ${pid} has the bind password in its arguments`);
  }
});
