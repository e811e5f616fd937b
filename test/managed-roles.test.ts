// spec.managed.roles on real PostgreSQL (local platform): every attribute applied, a role altered
// by hand put back, a password rotated through its Secret (the old one refused), ensure: absent,
// roles outside the spec left alone, and a role that cannot be reconciled named in status; a
// Secret with cnpg.io/passwordPassthrough has its password sent as given.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { scramSha256Verifier } from '../src/postgres/scram.js';
import { TestEnv, eventually } from './support/env.js';

const env = new TestEnv();
const NS = 'roles';

const secret = (password: string) => `
apiVersion: v1
kind: Secret
metadata:
  name: dante-password
  namespace: ${NS}
type: kubernetes.io/basic-auth
stringData:
  username: dante
  password: ${password}
`;

/** A Secret for `role` with cnpg.io/passwordPassthrough: "enabled". */
const passthroughSecret = (role: string, password: string) => `
apiVersion: v1
kind: Secret
metadata:
  name: ${role}-password
  namespace: ${NS}
  annotations:
    cnpg.io/passwordPassthrough: enabled
type: kubernetes.io/basic-auth
stringData:
  username: ${role}
  password: "${password}"
`;

/** Computed by the user, not the operator: with passthrough PostgreSQL stores exactly this. */
const VIRGIL_VERIFIER = scramSha256Verifier('virgil-clear', Buffer.from('user-chosen-salt'));

const cluster = `
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: lit
  namespace: ${NS}
spec:
  instances: 1
  enableSuperuserAccess: true
  storage:
    size: 1Gi
  # The server hashes what it is sent in clear as md5: which passwords the operator SCRAM-encoded shows.
  postgresql:
    parameters:
      password_encryption: md5
  managed:
    roles:
      - name: virgil
        login: true
        passwordSecret:
          name: virgil-password
      - name: beatrice
        login: true
        passwordSecret:
          name: beatrice-password
      - name: dante
        comment: "Dante's role; it's quoted"
        login: true
        createdb: true
        connectionLimit: 5
        validUntil: "2099-01-01T00:00:00Z"
        inRoles: [pg_monitor, readers]
        passwordSecret:
          name: dante-password
      - name: readers
        inherit: false
      - name: broken
        inRoles: [no_such_role]
      - name: gone
        ensure: absent
`;

interface RolesStatus {
  byStatus?: Record<string, string[]>;
  cannotReconcile?: Record<string, string[]>;
  passwordStatus?: Record<string, { transactionID?: number; resourceVersion?: string }>;
}

let superuser: string;

async function rolesStatus(): Promise<RolesStatus | undefined> {
  return (await env.json<{ status: { managedRolesStatus?: RolesStatus } }>(['get', 'cluster', 'lit', '-n', NS])).status.managedRolesStatus;
}

async function query<T>(sql: string, connectionString = superuser): Promise<T[]> {
  const c = new pg.Client({ connectionString, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function logsInAs(password: string, role = 'dante'): Promise<boolean> {
  const url = new URL(superuser);
  url.username = role;
  url.password = password;
  url.pathname = '/postgres';
  try {
    await query('SELECT 1', url.toString());
    return true;
  } catch {
    return false;
  }
}

interface Dante {
  rolcanlogin: boolean;
  rolcreatedb: boolean;
  rolconnlimit: number;
  until: string;
  comment: string | null;
  parents: string[];
}

const dante = async (): Promise<Dante | undefined> =>
  (await query<Dante>(`SELECT rolcanlogin, rolcreatedb, rolconnlimit, to_char(rolvaliduntil AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS until,
      shobj_description(oid, 'pg_authid') AS comment,
      ARRAY(SELECT pg_get_userbyid(roleid)::text FROM pg_auth_members WHERE member = a.oid ORDER BY 1) AS parents
    FROM pg_authid a WHERE rolname = 'dante'`))[0];

const declared = (d: Dante | undefined) =>
  d !== undefined && d.rolcanlogin && d.rolcreatedb && d.rolconnlimit === 5 && d.until === '2099-01-01' && d.comment === "Dante's role; it's quoted" && d.parents.join(',') === 'pg_monitor,readers';

before(async () => {
  await env.ok(['apply', '-f', '-'], secret('first-password'));
  await env.ok(['apply', '-f', '-'], passthroughSecret('virgil', VIRGIL_VERIFIER));
  await env.ok(['apply', '-f', '-'], passthroughSecret('beatrice', 'beatrice-clear'));
  await env.ok(['apply', '-f', '-'], cluster);
  await env.ok(['wait', '--for=condition=Ready', 'cluster/lit', '-n', NS, '--timeout=180s'], undefined, 200_000);
  const s = await env.json<{ data: Record<string, string> }>(['get', 'secret', 'lit-superuser', '-n', NS]);
  const uri = new URL(Buffer.from(s.data.uri ?? '', 'base64').toString('utf8'));
  uri.pathname = '/postgres';
  superuser = uri.toString();
});

after(() => env.cleanup());

test('a managed role gets every declared attribute, and logs in with its Secret', async () => {
  await eventually('dante as declared', async () => declared(await dante()), 60_000);
  const [readers] = await query<{ rolinherit: boolean; rolcanlogin: boolean }>("SELECT rolinherit, rolcanlogin FROM pg_roles WHERE rolname = 'readers'");
  assert.deepEqual(readers, { rolinherit: false, rolcanlogin: false });
  assert.ok(await logsInAs('first-password'));
});

const storedPassword = async (role: string) => (await query<{ rolpassword: string | null }>(`SELECT rolpassword FROM pg_authid WHERE rolname = '${role}'`))[0]?.rolpassword;

test('passwordPassthrough: a SCRAM verifier from the Secret is stored as it is, and logs in with its cleartext', async () => {
  await eventually('virgil logs in', () => logsInAs('virgil-clear', 'virgil'), 60_000);
  assert.equal(await storedPassword('virgil'), VIRGIL_VERIFIER);
});

test('passwordPassthrough: a cleartext password is hashed by the server (password_encryption md5); without the annotation the operator SCRAM-encodes it', async () => {
  await eventually('beatrice created', async () => (await storedPassword('beatrice')) !== undefined, 60_000);
  const md5 = await storedPassword('beatrice');
  assert.match(md5 ?? '', /^md5[0-9a-f]{32}$/);
  assert.match((await storedPassword('dante')) ?? '', /^SCRAM-SHA-256\$4096:/);
  assert.match((await storedPassword('app')) ?? '', /^SCRAM-SHA-256\$4096:/, 'the application owner, also without the annotation');
});

test('status: roles by state, what cannot be reconciled and why, and the password Secret version applied', async () => {
  const version = (await env.json<{ metadata: { resourceVersion: string } }>(['get', 'secret', 'dante-password', '-n', NS])).metadata.resourceVersion;
  const status = await eventually('managedRolesStatus', async () => {
    const s = await rolesStatus();
    return s?.byStatus?.reconciled?.includes('dante') && s.cannotReconcile?.broken ? s : undefined;
  }, 60_000);
  assert.ok(status.byStatus?.reconciled?.includes('gone'), JSON.stringify(status));
  assert.ok(status.byStatus?.reserved?.includes('postgres'));
  assert.ok(status.byStatus?.reserved?.includes('streaming_replica'));
  assert.ok(status.byStatus?.['not-managed']?.includes('app'));
  assert.deepEqual(status.byStatus?.['pending-reconciliation'], ['broken']);
  assert.match(status.cannotReconcile?.broken?.join(' ') ?? '', /no_such_role/);
  assert.equal(status.passwordStatus?.dante?.resourceVersion, version);
  assert.ok((status.passwordStatus?.dante?.transactionID ?? 0) > 0);
  assert.ok(!JSON.stringify(status).includes('first-password'));
});

test('a role altered by hand is put back', async () => {
  await query(`ALTER ROLE dante NOCREATEDB CONNECTION LIMIT 1 VALID UNTIL '2001-01-01'`);
  await query(`COMMENT ON ROLE dante IS 'changed by hand'`);
  await query('REVOKE readers FROM dante');
  assert.equal(declared(await dante()), false);
  await eventually('dante corrected', async () => declared(await dante()), 60_000);
});

test('changing the Secret rotates the password: the old one is refused, the new one accepted', async () => {
  await env.ok(['apply', '-f', '-'], secret('second-password'));
  await eventually('the new password logs in', () => logsInAs('second-password'), 60_000);
  assert.equal(await logsInAs('first-password'), false);
  // A password changed by hand is put back too.
  await query(`ALTER ROLE dante PASSWORD 'by-hand'`);
  await eventually('the Secret password again', () => logsInAs('second-password'), 60_000);
  assert.equal(await logsInAs('by-hand'), false);
});

test('ensure: absent drops the role; a role outside the spec is left alone', async () => {
  await query('CREATE ROLE gone');
  await query('CREATE ROLE bystander LOGIN');
  await eventually('gone dropped', async () => (await query("SELECT 1 FROM pg_roles WHERE rolname = 'gone'")).length === 0, 60_000);
  assert.equal((await query("SELECT 1 FROM pg_roles WHERE rolname = 'bystander'")).length, 1);
  await eventually('bystander not managed', async () => (await rolesStatus())?.byStatus?.['not-managed']?.includes('bystander'), 30_000);
});
