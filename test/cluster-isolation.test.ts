// Clusters isolated from each other locally: started as root, each cluster's instances run under an
// operating-system user of their own, so one cluster's database superuser cannot read another
// cluster's credentials or manager token; file:// stores and initdb locations inside CNPG_HOME are
// refused at apply.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TestEnv, eventually } from './support/env.js';
import { sql, waitReady } from './support/backup.js';
import { manifest, manifests } from './support/manifests.js';
import { userById } from '../src/platform/local/home.js';

const env = new TestEnv();
const asRoot = process.getuid?.() === 0;
const instanceDir = (cluster: string, n = 1) => join(env.home, 'instances', 'default', cluster, `${cluster}-${n}`);

const cluster = (name: string, spec: Record<string, unknown> = {}): string => manifest('cluster.yaml', { name, spec });

const userName = (uid: number): string | undefined => userById(uid)?.name;

/** What still runs as a user, to tell why it could not be removed. */
function processesOf(uid: number): string[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).flatMap((p) => {
    try {
      if (!new RegExp(`^Uid:\\s+${uid}\\s`, 'm').test(readFileSync(`/proc/${p}/status`, 'utf8'))) return [];
      return [`${p}: ${readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ')}`];
    } catch {
      return [];
    }
  });
}

before(async () => {
  await env.ok(['apply', '-f', '-'], manifests(cluster('alpha'), cluster('beta')));
  await waitReady(env, 'alpha');
  await waitReady(env, 'beta');
}, { timeout: 240_000 });
after(() => env.cleanup());

test('one cluster\'s superuser cannot read another cluster\'s credentials, manager token or files', { skip: !asRoot && 'needs root: without it every cluster runs as the one user there is' }, async () => {
  const theirs = join(instanceDir('beta'), 'credentials.json');
  const token = (JSON.parse(readFileSync(theirs, 'utf8')) as { managerToken: string }).managerToken;
  assert.ok(token.length > 0);
  for (const query of [
    `SELECT pg_read_file('${theirs}')`,
    `SELECT pg_read_file('${join(instanceDir('beta'), 'platform.json')}')`,
    `SELECT pg_ls_dir('${instanceDir('beta')}')`,
    `SELECT pg_read_file('${join(env.home, 'operator.json')}')`,
  ]) {
    const r = await env.run(['exec', 'alpha-1', '--', 'psql', '-X', '-d', 'postgres', '-Atc', query]);
    assert.notEqual(r.code, 0, `${query} succeeded: ${r.stdout}`);
    assert.match(r.stderr, /Permission denied/, query);
    assert.ok(!r.stdout.includes(token));
  }
  // Its own files it reads: the refusal above is isolation, not pg_read_file refused in general.
  assert.match(await sql(env, 'alpha-1', `SELECT pg_read_file('${join(instanceDir('alpha'), 'credentials.json')}')`, 'postgres'), /managerToken/);
});

test('each cluster runs as its own unprivileged user, whose files only it can read', { skip: !asRoot && 'needs root' }, () => {
  const a = statSync(instanceDir('alpha'));
  const b = statSync(instanceDir('beta'));
  assert.notEqual(a.uid, b.uid);
  for (const st of [a, b]) {
    assert.notEqual(st.uid, 0);
    assert.match(userName(st.uid) ?? '', /^cnpg-[0-9a-f]{12}$/);
    assert.equal(st.mode & 0o777, 0o700);
  }
  for (const file of ['credentials.json', 'instance.json', 'manager.log']) {
    const st = statSync(join(instanceDir('alpha'), file));
    assert.equal(st.uid, a.uid, file);
    assert.equal(st.mode & 0o077, 0, `${file} is ${(st.mode & 0o777).toString(8)}`);
  }
  const record = statSync(join(instanceDir('alpha'), 'platform.json'));
  assert.equal(record.uid, 0, 'the platform\'s record of the instance stays root\'s');
  assert.equal(record.mode & 0o077, 0);
  assert.equal(statSync(join(env.home, 'operator.json')).mode & 0o077, 0);
  assert.equal(statSync(join(env.home, 'store')).mode & 0o077, 0);
  const cluster = statSync(join(env.home, 'instances', 'default', 'alpha'));
  assert.equal(cluster.uid, 0, 'the folder above the instances is root\'s');
  const manager = (JSON.parse(readFileSync(join(instanceDir('alpha'), 'platform.json'), 'utf8')) as { managerPid: number }).managerPid;
  assert.equal(statSync(`/proc/${manager}`).uid, a.uid, 'the manager runs as the cluster\'s user');
});

test('a file:// store inside another cluster\'s home or the control plane\'s files is refused at apply', async () => {
  for (const [where, field] of [
    [`file://${instanceDir('beta')}`, 'spec.backup.barmanObjectStore.destinationPath'],
    [`file://${env.home}/store`, 'spec.backup.barmanObjectStore.destinationPath'],
  ]) {
    const r = await env.run(['apply', '-f', '-'], cluster('gamma', { backup: { barmanObjectStore: { destinationPath: where } } }));
    assert.notEqual(r.code, 0, where);
    assert.ok(r.stderr.includes(`Cluster/gamma: ${field}: ${where} resolves to`), r.stderr);
    assert.match(r.stderr, /inside CNPG_HOME/);
  }
  const recovery = await env.run(['apply', '-f', '-'], cluster('gamma', {
    bootstrap: { recovery: { source: 'origin' } },
    externalClusters: [{ name: 'origin', barmanObjectStore: { destinationPath: `file://${instanceDir('beta')}` } }],
  }));
  assert.notEqual(recovery.code, 0);
  assert.match(recovery.stderr, /spec\.externalClusters\[0\]\.barmanObjectStore\.destinationPath: .*inside CNPG_HOME/);
  assert.notEqual((await env.run(['get', 'cluster', 'gamma'])).code, 0, 'nothing was created');
});

test('initdb options that put WAL elsewhere are refused', async () => {
  const r = await env.run(['apply', '-f', '-'], cluster('gamma', { bootstrap: { initdb: { options: ['-X', '/tmp/gamma-wal'] } } }));
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Cluster\/gamma: spec\.bootstrap\.initdb\.options\[0\]: -X is not allowed/);
});

test('deleting a cluster removes its operating-system user', { skip: !asRoot && 'needs root' }, async () => {
  const uid = statSync(instanceDir('beta')).uid;
  const name = userName(uid);
  assert.ok(name);
  await env.ok(['delete', 'cluster', 'beta']);
  await eventually('beta\'s user removed', async () => !existsSync(instanceDir('beta')) && userName(uid) === undefined, 60_000, 300).catch((e: Error) => {
    throw new Error(`${e.message}\nprocesses of uid ${uid}:\n${processesOf(uid).join('\n')}\noperator log:\n${readFileSync(join(env.home, 'operator.log'), 'utf8').slice(-6000)}`);
  });
  assert.ok(!readFileSync('/etc/group', 'utf8').split('\n').some((l) => l.startsWith(`${name}:`)), 'its group too');
  assert.ok(statSync(instanceDir('alpha')).uid !== uid, 'the other cluster keeps its own');
});
