// Interoperability with Debian's barman-cloud tools, both ways, on a real S3 endpoint:
// barman-cloud-restore + barman-cloud-wal-restore bring up our backup, and we recover a cluster
// from what barman-cloud-backup + barman-cloud-wal-archive wrote for a PostgreSQL we never managed.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo, tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveInstallation } from '../src/postgres/binaries.js';
import { TestEnv } from './support/env.js';
import { archiveCurrentWal, sql, waitReady } from './support/backup.js';
import { freePort, startS3Server, type S3Server } from './support/s3.js';
import { setTimeout as sleep } from 'node:timers/promises';

const env = new TestEnv();
let s3: S3Server;
const work = mkdtempSync(join(tmpdir(), 'cnpg-interop-'));
const bin = resolveInstallation(undefined).binDir;
const root = userInfo().uid === 0;
let postgresUid = 0;
let postgresGid = 0;
const started: string[] = [];

/** Runs a command as the postgres user (PostgreSQL refuses root), with S3 credentials in the environment. */
function run(cmd: string, args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
  const [file, argv] = root ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, {
      env: { ...process.env, AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_DEFAULT_REGION: s3.region, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${out}`))));
  });
}

function ownedDir(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (root) chownSync(dir, postgresUid, postgresGid);
  return dir;
}

const cloud = () => ['--cloud-provider', 'aws-s3', '--endpoint-url', s3.endpoint];

// A restored copy keeps the configuration of the instance it came from, whose certificate files
// and peer map belong to that cluster's own operating-system user: the copy runs without TLS and
// trusts its local socket, which only this test can reach.
async function startPostgres(pgdata: string, port: number, socketDir: string): Promise<void> {
  const log = join(work, `${port}.log`);
  const hba = join(work, 'local-trust-hba.conf');
  writeFileSync(hba, 'local all all trust\n', { mode: 0o644 });
  try {
    await run(join(bin, 'pg_ctl'), ['-D', pgdata, '-o', `-p ${port} -k ${socketDir} -c listen_addresses='' -c ssl=off -c hba_file=${hba}`, '-l', log, '-w', '-t', '120', 'start']);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${readFileSync(log, 'utf8').split('\n').slice(-15).join('\n')}`);
  }
  started.push(pgdata);
}

async function psql(port: number, socketDir: string, query: string, database = 'postgres'): Promise<string> {
  return (await run(join(bin, 'psql'), ['-X', '-h', socketDir, '-p', String(port), '-d', database, '-Atc', query])).trim();
}

before(async () => {
  if (root) {
    const id = (flag: string) => new Promise<number>((resolve) => spawn('id', [flag, 'postgres']).stdout.on('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    postgresUid = await id('-u');
    postgresGid = await id('-g');
    chownSync(work, postgresUid, postgresGid);
  }
  s3 = await startS3Server();
  await s3.createBucket('interop');
  await env.ok(['create', 'secret', 'generic', 's3-creds', `--from-literal=ACCESS_KEY_ID=${s3.accessKeyId}`, `--from-literal=SECRET_ACCESS_KEY=${s3.secretAccessKey}`]);
});

after(async () => {
  for (const pgdata of started) await run(join(bin, 'pg_ctl'), ['-D', pgdata, '-m', 'immediate', 'stop']).catch(() => undefined);
  await env.cleanup();
  await s3?.stop();
  rmSync(work, { recursive: true, force: true });
});

const storeYaml = (indent: string, path: string) =>
  [
    'barmanObjectStore:',
    `  destinationPath: ${path}`,
    `  endpointURL: ${s3.endpoint}`,
    '  s3Credentials:',
    '    accessKeyId: { name: s3-creds, key: ACCESS_KEY_ID }',
    '    secretAccessKey: { name: s3-creds, key: SECRET_ACCESS_KEY }',
    '  wal: { compression: gzip }',
    '  data: { compression: gzip }',
  ]
    .map((l) => indent + l)
    .join('\n');

test('barman-cloud lists and restores our backup, and replays our WAL', { timeout: 300_000 }, async () => {
  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: ours
spec:
  instances: 1
  storage:
    size: 1Gi
  backup:
${storeYaml('    ', 's3://interop/ours')}
`);
  await waitReady(env, 'ours');
  await sql(env, 'ours-1', 'CREATE TABLE t (x int); INSERT INTO t SELECT generate_series(1, 100)');
  const out = await env.ok(['backup', 'ours', '--backup-name', 'for-barman', '--wait', '--timeout', '2m'], undefined, 150_000);
  const backupId = /completed: (\S+)/.exec(out)![1]!;
  await sql(env, 'ours-1', 'INSERT INTO t SELECT generate_series(101, 150)');
  await archiveCurrentWal(env, 'ours', 'ours-1');

  const list = JSON.parse(await run('barman-cloud-backup-list', [...cloud(), '--format', 'json', 's3://interop/ours', 'ours'])) as { backups_list: Array<{ backup_id: string; backup_name?: string; status: string; begin_wal: string; end_wal: string }> };
  const listed = list.backups_list.find((b) => b.backup_id === backupId);
  assert.ok(listed, `barman-cloud-backup-list shows ${backupId}: ${JSON.stringify(list)}`);
  assert.equal(listed.backup_name, 'for-barman');
  assert.equal(listed.status, 'DONE');

  const pgdata = ownedDir('restored-by-barman');
  await run('barman-cloud-restore', [...cloud(), 's3://interop/ours', 'ours', backupId, pgdata]);
  const port = await freePort();
  const restore = `barman-cloud-wal-restore ${cloud().join(' ')} s3://interop/ours ours %f %p`;
  writeFileSync(join(pgdata, 'postgresql.auto.conf'), `restore_command = '${restore}'\nrecovery_target_action = 'promote'\n`);
  // Our settings stay (replay needs max_worker_processes and friends as high as the source's); the
  // instance-specific ones are overridden.
  appendFileSync(join(pgdata, 'postgresql.conf'), `port = ${port}\nunix_socket_directories = '${pgdata}'\narchive_mode = off\n`);
  writeFileSync(join(pgdata, 'recovery.signal'), '');
  if (root) for (const f of ['postgresql.auto.conf', 'recovery.signal']) chownSync(join(pgdata, f), postgresUid, postgresGid);
  await startPostgres(pgdata, port, pgdata);
  let count = '';
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    count = await psql(port, pgdata, 'SELECT CASE WHEN pg_is_in_recovery() THEN -1 ELSE (SELECT count(*) FROM t) END', 'app').catch((e: Error) => e.message);
    if (count === '150') break;
    await sleep(500);
  }
  assert.equal(count, '150', 'barman-cloud restored every row, replaying the WAL we archived');
});

test('we recover from what barman-cloud-backup and barman-cloud-wal-archive wrote', { timeout: 300_000 }, async () => {
  const pgdata = ownedDir('theirs');
  await run(join(bin, 'initdb'), ['-D', pgdata, '-U', 'postgres', '--auth=trust']);
  const port = await freePort();
  const archive = `barman-cloud-wal-archive ${cloud().join(' ')} --gzip s3://interop/theirs theirs %p`;
  writeFileSync(join(pgdata, 'postgresql.auto.conf'), `archive_mode = on\narchive_command = '${archive}'\nwal_level = replica\n`);
  if (root) chownSync(join(pgdata, 'postgresql.auto.conf'), postgresUid, postgresGid);
  await startPostgres(pgdata, port, pgdata);
  await psql(port, pgdata, 'CREATE TABLE theirs (x int); INSERT INTO theirs SELECT generate_series(1, 42)');
  await run('barman-cloud-backup', [...cloud(), '--gzip', '--immediate-checkpoint', '-h', pgdata, '-p', String(port), '-U', 'postgres', '-d', 'postgres', 's3://interop/theirs', 'theirs']);
  await psql(port, pgdata, 'INSERT INTO theirs SELECT generate_series(43, 50)');
  await psql(port, pgdata, 'SELECT pg_switch_wal()');
  const deadline = Date.now() + 60_000;
  while ((await psql(port, pgdata, 'SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE \'%.ready\'')) !== '0' && Date.now() < deadline) {
    await sleep(500);
  }

  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: from-barman
spec:
  instances: 2
  storage:
    size: 1Gi
  bootstrap:
    recovery:
      source: theirs
  externalClusters:
    - name: theirs
${storeYaml('      ', 's3://interop/theirs')}
`);
  await waitReady(env, 'from-barman', 240);
  assert.equal(await sql(env, 'from-barman-1', 'SELECT count(*) FROM theirs', 'postgres'), '50');
});
