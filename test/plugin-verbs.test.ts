// The plugin's remaining verbs on local processes: certificate (a client certificate PostgreSQL
// accepts by cert authentication), pgbench against -rw, report cluster (a zip with no secret in
// it), status -v -v and --timeout, install generate, and destroy (a standby, then the primary)
// with the rows kept and the Cluster back to its instance count.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parseAllDocuments } from 'yaml';
import { TestEnv, eventually } from './support/env.js';
import { unzip } from './support/zip.js';

interface Secret {
  type?: string;
  data?: Record<string, string>;
}
interface Cluster {
  status?: { currentPrimary?: string; readyInstances?: number; phase?: string; localEndpoints?: { rw: { host: string; port: number } } };
  metadata: { annotations?: Record<string, string> };
}
interface Pod {
  metadata: { name: string; creationTimestamp?: string };
}

const env = new TestEnv();
const scratch = mkdtempSync(join(tmpdir(), 'cnpg-verbs-'));
const MANIFEST = `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: verbs
spec:
  instances: 2
  enableSuperuserAccess: true
  storage:
    size: 1Gi
  postgresql:
    pg_hba:
      - hostssl app reporter all cert
  managed:
    roles:
      - name: reporter
        ensure: present
        login: true
  bootstrap:
    initdb:
      database: app
      owner: app
`;

const decode = (s: Secret, key: string) => Buffer.from(s.data?.[key] ?? '', 'base64').toString('utf8');
const secret = (name: string) => env.json<Secret>(['get', 'secret', name]);
const cluster = () => env.json<Cluster>(['get', 'cluster', 'verbs']);
const psql = async (sql: string) => (await env.ok(['psql', 'verbs', '--', '-tAc', sql])).trim();

async function healthy(what: string, primary?: string): Promise<Cluster> {
  return eventually(`${what}: verbs healthy with 2 ready instances${primary ? ` and primary ${primary}` : ''}`, async () => {
    const c = await cluster();
    return c.status?.phase === 'Cluster in healthy state' && c.status.readyInstances === 2 && (!primary || c.status.currentPrimary === primary) ? c : undefined;
  }, 240_000, 500).catch(async (e: Error) => {
    throw new Error(`${e.message}\n${await env.diagnostics()}`);
  });
}

before(async () => {
  await env.ok(['apply', '-f', '-'], MANIFEST);
  await env.ok(['wait', '--for=condition=Ready', 'cluster/verbs', '--timeout=240s'], undefined, 260_000);
  await psql('create table kept (n int); insert into kept select generate_series(1, 100)');
});

after(async () => {
  await env.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

test('certificate: a kubernetes.io/tls Secret signed by the client CA; PostgreSQL lets the user in by cert authentication', { timeout: 120_000 }, async () => {
  assert.equal(await env.ok(['certificate', 'reporter-cert', '--cnpg-cluster', 'verbs', '--cnpg-user', 'reporter']), 'secret/reporter-cert created\n');
  const cert = await secret('reporter-cert');
  assert.equal(cert.type, 'kubernetes.io/tls');
  const ca = decode(await secret('verbs-ca'), 'ca.crt');
  const rw = (await cluster()).status!.localEndpoints!.rw;
  const connect = async (ssl: { cert?: string; key?: string }) => {
    const c = new pg.Client({ host: rw.host, port: rw.port, user: 'reporter', database: 'app', connectionTimeoutMillis: 5000, ssl: { ca, rejectUnauthorized: true, servername: 'verbs-rw', ...ssl } });
    await c.connect();
    try {
      return (await c.query<{ u: string; ssl: boolean }>('select current_user as u, ssl from pg_stat_ssl where pid = pg_backend_pid()')).rows[0];
    } finally {
      await c.end();
    }
  };
  await eventually('the managed role reporter', async () => (await psql("select count(*) from pg_roles where rolname = 'reporter'")) === '1');
  assert.deepEqual(await connect({ cert: decode(cert, 'tls.crt'), key: decode(cert, 'tls.key') }), { u: 'reporter', ssl: true });
  await assert.rejects(connect({}), /certificate|password|authentication/i, 'without the certificate the cert rule lets nobody in');

  const printed = await env.ok(['certificate', 'dry', '--cnpg-cluster', 'verbs', '--cnpg-user', 'reporter', '--dry-run', '-o', 'yaml']);
  assert.match(printed, /^kind: Secret$/m);
  assert.match(printed, /^type: kubernetes\.io\/tls$/m);
  assert.equal((await env.run(['get', 'secret', 'dry'])).code, 1, '--dry-run creates nothing');
  const again = await env.run(['certificate', 'reporter-cert', '--cnpg-cluster', 'verbs', '--cnpg-user', 'reporter']);
  assert.match(again.stderr, /secrets "reporter-cert" already exists/);
  const badUser = await env.run(['certificate', 'x', '--cnpg-cluster', 'verbs', '--cnpg-user', 'a\nb']);
  assert.notEqual(badUser.code, 0);
  assert.match(badUser.stderr, /--cnpg-user: "a\\nb" is not a PostgreSQL user name/);
  const noCluster = await env.run(['certificate', 'x', '--cnpg-cluster', 'nope', '--cnpg-user', 'reporter']);
  assert.match(noCluster.stderr, /clusters? "nope" not found|nope/);
});

test('pgbench runs against -rw as the application user, with its arguments after --', { timeout: 180_000 }, async () => {
  await env.ok(['pgbench', 'verbs', '--', '--initialize', '--scale', '1', '--quiet']);
  assert.equal(await psql('select count(*) from pgbench_accounts'), '100000');
  assert.equal(await psql("select tableowner from pg_tables where tablename = 'pgbench_accounts'"), 'app', 'run as the application user');
  const run = await env.ok(['pgbench', 'verbs', '--', '--transactions', '20', '--client', '2', '--no-vacuum']);
  assert.match(run, /number of transactions actually processed: 40\/40/);
  const failing = await env.run(['pgbench', 'verbs', '--db-name', 'nope', '--', '--transactions', '1']);
  assert.notEqual(failing.code, 0, "pgbench's failure is the command's exit status");
  const dry = await env.ok(['pgbench', 'verbs', '--dry-run', '--', '-T', '5']);
  assert.match(dry, /PGUSER=app .*PGPASSWORD=\(from secret verbs-app\) .*pgbench" "-T" "5"/);
});

test('report cluster: a zip with manifests, status, events and logs, and no password anywhere in it', { timeout: 120_000 }, async () => {
  const passwords = [decode(await secret('verbs-app'), 'password'), decode(await secret('verbs-superuser'), 'password'), decode(await secret('verbs-replication'), 'password')];
  const caKey = decode(await secret('verbs-ca'), 'ca.key');
  // A failed statement quoting the password lands in PostgreSQL's log, which the report includes.
  await env.run(['psql', 'verbs', '--', '-tAc', `select '${passwords[0]}'::int`]);
  const file = join(scratch, 'report.zip');
  assert.equal(await env.ok(['report', 'cluster', 'verbs', '-f', file, '--logs']), `Successfully written report to "${file}" (format: "yaml")\n`);
  const entries = await unzip(file);
  const names = [...entries.keys()];
  const folder = names[0]!.split('/')[0]!;
  assert.match(folder, /^report_cluster_verbs_\d{8}_\d{6}$/);
  for (const part of ['manifests/cluster.yaml', 'manifests/cluster-pods.yaml', 'manifests/cluster-pvcs.yaml', 'manifests/events.yaml', 'manifests/cluster-secrets.yaml', 'status/status.txt', 'status/status.json', 'logs/verbs-1-postgres.log', 'logs/verbs-2-manager.log', 'operator-logs/operator.jsonl']) {
    assert.ok(entries.has(`${folder}/${part}`), `${part} in ${names.join(', ')}`);
  }
  assert.match(entries.get(`${folder}/status/status.txt`)!, /Cluster in healthy state/);
  assert.match(entries.get(`${folder}/manifests/events.yaml`)!, /CreatingInstance/);
  assert.match(entries.get(`${folder}/logs/verbs-1-postgres.log`)! + entries.get(`${folder}/logs/verbs-2-postgres.log`)!, /\[REDACTED\]/, 'the password in the log was cut out');
  const everything = [...entries.values()].join('\n');
  for (const p of passwords) assert.ok(!everything.includes(p), 'a password is in the report');
  for (const line of caKey.split('\n').filter((l) => l.length > 20)) assert.ok(!everything.includes(line), 'the CA key is in the report');
  const secrets = parseAllDocuments(entries.get(`${folder}/manifests/cluster-secrets.yaml`)!)[0]!.toJS() as { items: Secret[] };
  assert.ok(secrets.items.some((s) => s.data && 'password' in s.data && s.data.password === ''), 'Secrets keep their keys, with empty values');

  const exists = await env.run(['report', 'cluster', 'verbs', '-f', file]);
  assert.notEqual(exists.code, 0);
  assert.match(exists.stderr, /already exists; it is not overwritten/);
  const format = await env.run(['report', 'cluster', 'verbs', '-f', join(scratch, 'x.zip'), '-o', 'xml']);
  assert.match(format.stderr, /--output: "xml" is not a manifest format \(allowed: yaml, json\)/);
});

test('status -v -v adds the primary\'s configuration, HBA rules and certificates; --timeout is checked', { timeout: 60_000 }, async () => {
  const text = await env.ok(['status', 'verbs', '-v', '-v', '--timeout', '5s']);
  assert.match(text, /PostgreSQL Configuration\n/);
  assert.match(text, /PostgreSQL HBA Rules\n[^]*hostssl app reporter all cert/);
  assert.match(text, /Certificates Status\nCertificate Name\s+Expiration Date\s+Days Left Until Expiration\n[^]*verbs-ca\s/);
  assert.doesNotMatch(await env.ok(['status', 'verbs', '-v']), /PostgreSQL HBA Rules/);
  const bad = await env.run(['status', 'verbs', '--timeout', 'soon']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--timeout: invalid duration "soon"/);
});

test('install generate prints the release manifest with the options applied', { timeout: 60_000 }, async () => {
  const docs = parseAllDocuments(await env.ok(['install', 'generate', '-n', 'ops', '--watch-namespace', 'a,b', '--replicas', '2', '--version', '0.1.0']))
    .map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string }; spec?: { replicas?: number; template?: { spec: { containers: Array<{ env: Array<{ name: string; value?: string }> }> } } } } | null)
    .filter((d) => d !== null);
  assert.deepEqual(docs.filter((d) => d.kind === 'Namespace').map((d) => d.metadata.name), ['ops']);
  const deployment = docs.find((d) => d.kind === 'Deployment')!;
  assert.equal(deployment.metadata.namespace, 'ops');
  assert.equal(deployment.spec?.replicas, 2);
  assert.equal(deployment.spec?.template?.spec.containers[0]!.env.find((e) => e.name === 'WATCH_NAMESPACE')?.value, 'a,b');
  const missing = await env.run(['install', 'generate', '--version', '9.9.9']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /--version: release version 9\.9\.9 not found \(available: 0\.1\.0/);
});

test('report cluster -t: every log line starts with the UTC time it carries', { timeout: 120_000 }, async () => {
  const file = join(scratch, 'report-t.zip');
  await env.ok(['report', 'cluster', 'verbs', '-f', file, '--logs', '-t']);
  const entries = await unzip(file);
  const logs = [...entries.entries()].filter(([name]) => /\/(logs|operator-logs)\//.test(name));
  assert.ok(logs.length >= 5, `logs: ${logs.map(([n]) => n).join(', ')}`);
  for (const [name, text] of logs) {
    const lines = text.split('\n').filter((l) => l !== '');
    // The operator logs about a healthy Cluster only when something is slow or fails: its file may be empty.
    if (!name.includes('/operator-logs/')) assert.ok(lines.length > 0, `${name} has lines`);
    for (const line of lines) assert.match(line, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z /, `${name}: ${line}`);
  }
});

test('report operator: the local operator, the Clusters and their events, and its log; no token or password', { timeout: 120_000 }, async () => {
  const file = join(scratch, 'operator.zip');
  assert.equal(await env.ok(['report', 'operator', '-f', file, '-l', '-t']), `Successfully written report to "${file}" (format: "yaml")\n`);
  const entries = await unzip(file);
  const folder = [...entries.keys()][0]!.split('/')[0]!;
  assert.match(folder, /^report_operator_\d{8}_\d{6}$/);
  for (const part of ['manifests/operator.yaml', 'manifests/clusters.yaml', 'manifests/events.yaml', 'operator-logs/operator.jsonl']) {
    assert.ok(entries.has(`${folder}/${part}`), `${part} in ${[...entries.keys()].join(', ')}`);
  }
  assert.match(entries.get(`${folder}/manifests/operator.yaml`)!, /kind: LocalOperator[^]*version: 0\.1\.0/);
  assert.match(entries.get(`${folder}/manifests/clusters.yaml`)!, /name: verbs/);
  assert.match(entries.get(`${folder}/operator-logs/operator.jsonl`)!, /^\d{4}-\d{2}-\d{2}T[^ ]+Z \{/m);
  const everything = [...entries.values()].join('\n');
  const token = (JSON.parse(readFileSync(join(env.home, 'operator.json'), 'utf8')) as { token: string }).token;
  assert.ok(!everything.includes(token), 'the control plane\'s token is in the report');
  for (const name of ['verbs-app', 'verbs-superuser', 'verbs-replication']) assert.ok(!everything.includes(decode(await secret(name), 'password')), `the ${name} password is in the report`);
});

test('destroy: a standby, then the primary (after a switchover), with their data; the Cluster makes new ones and keeps every row', { timeout: 600_000 }, async () => {
  const refused = await env.run(['destroy', 'verbs', '9']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /instance verbs-9 is not part of cluster verbs \(instances: verbs-1, verbs-2\)/);
  assert.equal((await cluster()).metadata.annotations?.['cnpg.io/destroyInstance'], undefined, 'nothing was asked of the operator');

  const created = async () => new Map((await env.pods('verbs')).map((p) => [p.metadata.name, (p as unknown as Pod).metadata.creationTimestamp]));
  const before = await created();
  assert.equal(await env.ok(['destroy', 'verbs', '2']), 'Instance verbs-2 of cluster verbs is destroyed\n');
  await healthy('after destroying the standby', 'verbs-1');
  const after1 = await created();
  assert.equal(after1.size, 2);
  assert.equal(after1.get('verbs-1'), before.get('verbs-1'), 'the primary was left alone');
  const standby = [...after1.keys()].find((n) => n !== 'verbs-1')!;
  assert.notEqual(after1.get(standby), before.get(standby), `${standby} is a new instance (the lowest free serial is taken again)`);
  assert.equal(await psql('select count(*) from kept'), '100');
  assert.equal((await cluster()).metadata.annotations?.['cnpg.io/destroyInstance'], undefined, 'the request was consumed');

  await psql('insert into kept select generate_series(101, 200)');
  assert.equal(await env.ok(['destroy', 'verbs', 'verbs-1']), 'Instance verbs-1 of cluster verbs is destroyed (the primary: after a switchover to a standby)\n');
  await healthy('after destroying the primary', standby);
  assert.equal(await psql('select count(*) from kept'), '200', 'no acknowledged row lost');
  assert.equal((await env.ok(['psql', 'verbs', '--replica', '--', '-tAc', 'select count(*) from kept'])).trim(), '200', 'the new standby has every row');
});

test('destroy --keep-pvc: the standby goes, its data folder is set aside under $CNPG_HOME/detached and said where; the Cluster makes a new instance', { timeout: 600_000 }, async () => {
  const primary = (await cluster()).status!.currentPrimary!;
  const rows = await psql('select count(*) from kept');
  const standby = (await env.pods('verbs')).map((p) => p.metadata.name).find((n) => n !== primary)!;
  const out = await env.ok(['destroy', 'verbs', standby, '-k']);
  assert.match(out, new RegExp(`^Instance ${standby} of cluster verbs has been destroyed and the PVC was kept\n`));
  const folder = /Its data folder was moved to (\S+) /.exec(out)?.[1] ?? assert.fail(`no folder named in ${JSON.stringify(out)}`);
  assert.ok(folder.startsWith(join(env.home, 'detached', 'default', 'verbs', `${standby}-`)), folder);
  assert.ok(existsSync(join(folder, 'PG_VERSION')), 'a PostgreSQL data folder');
  // Stopped cleanly as the standby it was: a user can start PostgreSQL on it (docs/plugin-verbs.md).
  const control = execFileSync('/usr/lib/postgresql/15/bin/pg_controldata', [folder], { env: { ...process.env, LC_ALL: 'C' } }).toString();
  assert.match(control, /Database cluster state:\s+shut down in recovery/);
  // What docs/plugin-verbs.md tells a user to do with it, as written there (another port here).
  const port = String(20000 + (process.pid % 10000));
  const bin = '/usr/lib/postgresql/15/bin';
  const asPostgres = (file: string, args: string[]) => (process.getuid?.() === 0 ? execFileSync('runuser', ['-u', 'postgres', '--', file, ...args]) : execFileSync(file, args));
  writeFileSync(join(folder, 'pg_hba.conf'), 'local all all trust\n');
  if (process.getuid?.() === 0) execFileSync('chown', ['-R', 'postgres:', folder]);
  asPostgres(`${bin}/pg_ctl`, ['-D', folder, '-l', join(folder, 'kept.log'), '-w', '-o', `-c port=${port} -c listen_addresses='' -c unix_socket_directories=/tmp -c ssl=off -c archive_mode=off -c primary_conninfo=''`, 'start']);
  try {
    assert.equal(execFileSync('psql', ['-X', '-h', '/tmp', '-p', port, '-U', 'postgres', '-d', 'app', '-Atc', 'select count(*) from kept']).toString().trim(), rows, 'the kept data has every row');
  } finally {
    asPostgres(`${bin}/pg_ctl`, ['-D', folder, '-m', 'fast', '-w', 'stop']);
  }
  await healthy('after destroy --keep-pvc', primary);
  assert.equal(await psql('select count(*) from kept'), rows);
  const annotations = (await cluster()).metadata.annotations ?? {};
  assert.equal(annotations['cnpg.io/destroyInstance'], undefined);
  assert.equal(annotations['cnpg.io/destroyKeepPVC'], undefined);
  rmSync(folder, { recursive: true, force: true });
});
