// bench/backup: on one ≥ 1 GB pgbench database and one MinIO store, in one run, cnpg-ts against
// barman-cloud-backup, barman-cloud-restore and barman-cloud-wal-archive: base backup MB/s, restore
// MB/s, WAL segments archived per second, and whether archiving keeps up with pgbench flat out;
// then a local volume snapshot's backup and restore time against the base backup's, same data.
//
//   node dist/bench/backup.js [--quick] [--scale 70] [--compression gzip|bzip2] [--segments 64] [--pgbench-seconds 60] [--jobs 2] [--wal-parallel 4]
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { extractBaseBackup, listBackups, openBlobStore } from '../src/objectstore/index.js';
import { startS3Server } from '../test/support/s3.js';
import { parseArgs, type Options } from './backup/args.js';
import { figureRows, HEADERS, keepUp, MB, mbPerSec, nextSegment, parseLsn, segmentNumber, SNAPSHOT_HEADERS, snapshotRows, table, type BacklogSample, type Figure, type SnapshotVersus } from './backup/report.js';
import {
  barman,
  CLI,
  Cnpg,
  actAsInstancesOf,
  giveToPostgres,
  managerLog,
  mkdirFor,
  postgresStartedAt,
  readySegments,
  recoveryCluster,
  secretManifest,
  snapshotRecoveryCluster,
  sourceCluster,
  storedSegments,
  type PodLocal,
  type Store,
} from './backup/systems.js';
import { cleanupAll, cleanupOnSignals, killMentioning, onCleanup, poll, processesMentioning, run, signal } from './failover/procs.js';
import { runBench } from './run.js';
import { setTimeout as sleep } from 'node:timers/promises';

const NAME = 'bench';
const POD = `${NAME}-1`;
const RESTORED = 'restored';
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const secs = (t0: number) => (performance.now() - t0) / 1000;
const f1 = (x: number) => x.toFixed(1);

interface Ctx {
  o: Options;
  cnpg: Cnpg;
  s3: Awaited<ReturnType<typeof startS3Server>>;
  store: Store;
  scratch: string;
  pod: PodLocal;
  uri: string;
  bytes: number;
  figures: Figure[];
  notes: string[];
  /** Our base backup's and restore's seconds, for the snapshot comparison. */
  baseSeconds?: number;
  restoreSeconds?: number;
  versus: SnapshotVersus[];
}

/** Waits until PostgreSQL has no segment waiting for the archive. */
async function drained(ctx: Ctx, timeoutMs = 1_800_000): Promise<void> {
  const ok = await poll(async () => (readySegments(ctx.pod.pgdata).length === 0 ? true : undefined), timeoutMs, 100);
  if (!ok) throw new Error(`archive not drained within ${timeoutMs / 1000} s: ${readySegments(ctx.pod.pgdata).length} segments ready`);
}

async function setup(o: Options): Promise<Ctx> {
  const home = mkdtempSync(join(tmpdir(), 'cnpg-bench-backup-'));
  chmodSync(home, 0o755);
  const scratch = mkdtempSync(join(tmpdir(), 'cnpg-bench-barman-'));
  const cnpg = new Cnpg(home);
  onCleanup(async () => {
    await run(process.execPath, [CLI, 'operator', 'stop'], { env: { ...process.env, CNPG_HOME: home }, timeoutMs: 30_000 });
    await killMentioning(home);
    rmSync(home, { recursive: true, force: true });
    await killMentioning(scratch);
    rmSync(scratch, { recursive: true, force: true });
  });
  log('starting MinIO');
  const s3 = await startS3Server();
  onCleanup(() => s3.stop());
  await s3.createBucket('bench');
  const store: Store = { endpoint: s3.endpoint, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, region: s3.region };
  log(`cnpg: 1-instance cluster archiving to s3://bench/cnpg (${o.compression}, wal.maxParallel ${o.walParallel}, data.jobs ${o.jobs})`);
  await cnpg.run(['apply', '-f', '-'], secretManifest(store));
  await cnpg.run(['apply', '-f', '-'], sourceCluster(NAME, store, o));
  await cnpg.waitReady(NAME, 300);
  actAsInstancesOf(home, NAME);
  giveToPostgres(scratch);
  const pod = await cnpg.pod(POD);
  const uri = await cnpg.appUri(NAME);
  return { o, cnpg, s3, store, scratch, pod, uri, bytes: 0, figures: [], notes: [], versus: [] };
}

async function load(ctx: Ctx): Promise<void> {
  log(`pgbench -i -s ${ctx.o.scale} through ${NAME}-rw`);
  const t0 = performance.now();
  const r = await run('pgbench', ['-i', '-q', '-s', String(ctx.o.scale), ctx.uri], { timeoutMs: 3_600_000 });
  if (r.code !== 0) throw new Error(`pgbench -i: ${r.stderr}`);
  log(`  loaded in ${f1(secs(t0))} s; waiting for its WAL to be archived`);
  await ctx.cnpg.sql(POD, 'CHECKPOINT', 'postgres');
  await drained(ctx);
  ctx.bytes = Number(await ctx.cnpg.sql(POD, 'SELECT sum(pg_database_size(datname)) FROM pg_database', 'postgres'));
  log(`  data size ${f1(ctx.bytes / MB)} MB (sum of pg_database_size)`);
}

async function baseBackup(ctx: Ctx): Promise<string> {
  const { o, cnpg, store, pod } = ctx;
  log('base backup: cnpg backup --wait');
  let t0 = performance.now();
  const out = await cnpg.run(['backup', NAME, '--backup-name', 'bench-base', '--wait', '--timeout', '60m'], undefined, 3_700_000);
  const ours = secs(t0);
  ctx.baseSeconds = ours;
  log(`  ${out.trim()} in ${f1(ours)} s`);
  await drained(ctx);
  log(`base backup: barman-cloud-backup --${o.compression} --jobs ${o.jobs} --immediate-checkpoint`);
  t0 = performance.now();
  await barman(
    'barman-cloud-backup',
    [`--${o.compression}`, '--jobs', String(o.jobs), '--immediate-checkpoint', '-h', pod.socketDir, '-p', String(pod.port), '-U', 'postgres', '-d', 'postgres', 's3://bench/barman', NAME],
    store,
    ctx.scratch,
  );
  const theirs = secs(t0);
  log(`  done in ${f1(theirs)} s`);
  await drained(ctx);
  ctx.figures.push({ what: 'base backup', unit: 'MB/s', ours: mbPerSec(ctx.bytes, ours), barman: mbPerSec(ctx.bytes, theirs), target: 2 });
  ctx.notes.push(`base backup: cnpg ${f1(ours)} s, barman ${f1(theirs)} s for ${f1(ctx.bytes / MB)} MB`);
  const list = JSON.parse((await barman('barman-cloud-backup-list', ['--format', 'json', 's3://bench/barman', NAME], store, ctx.scratch)).stdout) as {
    backups_list: Array<{ backup_id: string }>;
  };
  const id = list.backups_list.at(-1)?.backup_id;
  if (!id) throw new Error('barman-cloud-backup-list: no backup');
  return id;
}

async function restore(ctx: Ctx, barmanBackupId: string): Promise<void> {
  const { cnpg, store, o } = ctx;
  log('restore: a new Cluster bootstrapping from the cnpg backup, apply → Ready');
  let t0 = performance.now();
  await cnpg.run(['apply', '-f', '-'], recoveryCluster(RESTORED, NAME, store, o.walParallel));
  await cnpg.waitReady(RESTORED, 3600);
  const whole = secs(t0);
  ctx.restoreSeconds = whole;
  const dir = cnpg.instanceDir(RESTORED, `${RESTORED}-1`);
  const lines = managerLog(dir);
  const at = (re: RegExp) => {
    const l = lines.find((x) => re.test(x.msg));
    return l ? Date.parse(l.ts) : undefined;
  };
  const begin = at(/^restoring base backup/);
  const end = at(/^recovery complete/);
  const started = begin === undefined ? undefined : postgresStartedAt(dir, begin);
  // Unpacking ends where PostgreSQL starts to replay: the manager starts it right after.
  const extractOnly = begin !== undefined && started !== undefined ? (started - begin) / 1000 : undefined;
  const restoreAndReplay = begin !== undefined && end !== undefined ? (end - begin) / 1000 : undefined;
  log(`  Ready after ${f1(whole)} s; manager log: extract ${extractOnly === undefined ? '?' : f1(extractOnly)} s, extract + WAL replay + promote ${restoreAndReplay === undefined ? '?' : f1(restoreAndReplay)} s`);
  await cnpg.run(['delete', 'cluster', RESTORED]);
  await cnpg.run(['wait', '--for=delete', `cluster/${RESTORED}`, '--timeout=300s'], undefined, 320_000).catch(() => undefined);

  const filesOnly = await ourFilesOnly(ctx);

  log(`restore: barman-cloud-restore ${barmanBackupId} into an empty folder`);
  const dest = join(ctx.scratch, 'restore');
  t0 = performance.now();
  await barman('barman-cloud-restore', ['s3://bench/barman', NAME, barmanBackupId, dest], store, ctx.scratch);
  const theirs = secs(t0);
  const du = await run('du', ['-sb', dest]);
  const restoredMb = Number(du.stdout.split('\t')[0]) / MB;
  log(`  done in ${f1(theirs)} s: ${f1(restoredMb)} MB of files in ${dest}`);
  rmSync(dest, { recursive: true, force: true });
  ctx.figures.push({ what: 'restore: files only, parallel (same work as barman)', unit: 'MB/s', ours: mbPerSec(ctx.bytes, filesOnly), barman: mbPerSec(ctx.bytes, theirs), target: 2 });
  ctx.figures.push({ what: 'restore: extract only (manager log)', unit: 'MB/s', ...(extractOnly === undefined ? {} : { ours: mbPerSec(ctx.bytes, extractOnly) }), barman: mbPerSec(ctx.bytes, theirs), target: 2 });
  ctx.figures.push({
    what: 'restore: extract + replay + promote',
    unit: 'MB/s',
    ...(restoreAndReplay === undefined ? {} : { ours: mbPerSec(ctx.bytes, restoreAndReplay) }),
    barman: mbPerSec(ctx.bytes, theirs),
  });
  // These two do more than barman-cloud-restore (WAL, PostgreSQL started): shown, held to no ratio.
  ctx.figures.push({ what: 'restore: apply → Ready (whole)', unit: 'MB/s', ours: mbPerSec(ctx.bytes, whole), barman: mbPerSec(ctx.bytes, theirs) });
  ctx.notes.push(
    `restore: cnpg apply→Ready ${f1(whole)} s (extract ${extractOnly === undefined ? '?' : f1(extractOnly)} s, to promotion ${restoreAndReplay === undefined ? '?' : f1(restoreAndReplay)} s); barman-cloud-restore ${f1(theirs)} s for ${f1(restoredMb)} MB of files (files only: no WAL fetched, no PostgreSQL started)`,
  );
}

/**
 * Our restore doing exactly what barman-cloud-restore does: the latest cnpg backup downloaded,
 * decompressed and unpacked into an empty folder by the bench process itself (extractBaseBackup,
 * every core), no WAL, no PostgreSQL.
 */
async function ourFilesOnly(ctx: Ctx): Promise<number> {
  const store = openBlobStore({
    destinationPath: 's3://bench/cnpg',
    serverName: NAME,
    endpointURL: ctx.store.endpoint,
    s3: { accessKeyId: ctx.store.accessKeyId, secretAccessKey: ctx.store.secretAccessKey, region: ctx.store.region },
  });
  const backup = (await listBackups(store, NAME)).filter((b) => b.status === 'DONE').at(-1);
  if (!backup) throw new Error('no DONE cnpg backup in s3://bench/cnpg');
  const dest = join(ctx.scratch, 'ours-files');
  log(`restore: our parallel restore of ${backup.backupId} into an empty folder (files only, as barman-cloud-restore)`);
  const t0 = performance.now();
  await extractBaseBackup(store, NAME, backup, dest);
  const seconds = secs(t0);
  log(`  done in ${f1(seconds)} s`);
  rmSync(dest, { recursive: true, force: true });
  ctx.notes.push(`restore files only: cnpg ${f1(seconds)} s with every core (extractBaseBackup in the bench process), same data and store as barman-cloud-restore`);
  return seconds;
}

/**
 * The same data backed up as a local volume snapshot (a copy, copy-on-write where the filesystem
 * can) and a Cluster recovered from it, against the base backup and the recovery measured above.
 */
async function snapshots(ctx: Ctx): Promise<void> {
  const { cnpg } = ctx;
  log('snapshot: cnpg backup -m volumeSnapshot --wait (online)');
  let t0 = performance.now();
  const out = await cnpg.run(['backup', NAME, '-m', 'volumeSnapshot', '--backup-name', 'bench-snap', '--wait', '--timeout', '60m'], undefined, 3_700_000);
  const backup = secs(t0);
  log(`  ${out.trim()} in ${f1(backup)} s`);
  await drained(ctx);
  log('snapshot: a new Cluster from bootstrap.recovery.volumeSnapshots, apply → Ready');
  t0 = performance.now();
  await cnpg.run(['apply', '-f', '-'], snapshotRecoveryCluster('from-snap', 'bench-snap'));
  await cnpg.waitReady('from-snap', 3600);
  const restore = secs(t0);
  log(`  Ready after ${f1(restore)} s`);
  await cnpg.run(['delete', 'cluster', 'from-snap']);
  await cnpg.run(['wait', '--for=delete', 'cluster/from-snap', '--timeout=300s'], undefined, 320_000).catch(() => undefined);
  ctx.versus.push({ what: 'backup (CLI → completed)', snapshotSeconds: backup, baseSeconds: ctx.baseSeconds });
  ctx.versus.push({ what: 'restore (apply → Ready)', snapshotSeconds: restore, baseSeconds: ctx.restoreSeconds });
}

/** Stops MinIO for a while (SIGTERM, as a crash of the store would), then starts it on the same port and data. */
async function storeDown(ctx: Ctx): Promise<void> {
  for (const pid of processesMentioning(ctx.s3.dataDir)) signal(pid, 'SIGTERM');
  const gone = await poll(async () => (processesMentioning(ctx.s3.dataDir).length === 0 ? true : undefined), 10_000, 50);
  if (!gone) throw new Error('MinIO did not stop');
}

/**
 * N full segments of pgbench-like rows written while the store is down (so they pile up as a
 * backlog), copied aside for barman, then the store comes back and the manager drains them. The
 * figure is the steady drain rate: segments stored after the first one / time to the last.
 */
async function walArchiving(ctx: Ctx): Promise<void> {
  const { o, cnpg, pod } = ctx;
  const n = o.segments;
  const instanceDir = cnpg.instanceDir(NAME, POD);
  const client = new pg.Client({ connectionString: ctx.uri });
  await client.connect();
  try {
    await client.query('CREATE TABLE IF NOT EXISTS walgen (id bigint, abalance int, filler char(84))');
    const first = (await cnpg.sql(POD, 'SELECT pg_walfile_name(pg_current_wal_lsn())', 'postgres')).trim();
    const last = nextSegment(first, n);
    log(`WAL archiving: store down, writing ${n} segments (${first} … ${last}), store back, timing the drain`);
    await storeDown(ctx);
    const tGen = performance.now();
    for (;;) {
      await client.query("INSERT INTO walgen SELECT g, g % 1000, '' FROM generate_series(1, 100000) g");
      const cur = (await client.query<{ w: string }>('SELECT pg_walfile_name(pg_current_wal_lsn()) AS w')).rows[0]?.w ?? first;
      if (segmentNumber(cur) > segmentNumber(last)) break;
    }
    log(`  ${n} segments written in ${f1(secs(tGen))} s`);
  } finally {
    await client.end().catch(() => undefined);
  }
  const names = await segmentsToArchive(ctx, n);
  const walDir = mkdirFor(join(ctx.scratch, 'wal'));
  for (const w of names) {
    copyFileSync(join(pod.pgdata, 'pg_wal', w), join(walDir, w));
    giveToPostgres(join(walDir, w));
  }
  const lastName = names.at(-1) as string;
  await ctx.s3.restart();
  const tUp = performance.now();
  let firstAt: number | undefined;
  let firstCount = 0;
  let lastAt: number | undefined;
  while (lastAt === undefined) {
    const count = storedSegments(instanceDir, pod.pgdata, names).size;
    const now = performance.now();
    if (count > 0 && firstAt === undefined) {
      firstAt = now;
      firstCount = count;
    }
    if (count === names.length) lastAt = now;
    else if (now - tUp > 1_800_000) throw new Error(`archive not drained after 30 min: ${count}/${names.length}`);
    else await sleep(10);
  }
  const ours = firstAt !== undefined && lastAt > firstAt ? (names.length - firstCount) / ((lastAt - firstAt) / 1000) : undefined;
  log(`  store back → first stored ${f1(((firstAt ?? lastAt) - tUp) / 1000)} s (retry backoff), then ${names.length - firstCount} more in ${f1(((lastAt - (firstAt ?? lastAt)) / 1000))} s; ${lastName} stored`);
  await drained(ctx);

  log(`WAL archiving: barman-cloud-wal-archive --${o.compression}, one process per segment, sequentially (as archive_command)`);
  const t0 = performance.now();
  for (const w of names) await barman('barman-cloud-wal-archive', [`--${o.compression}`, 's3://bench/barman', NAME, join(walDir, w)], ctx.store, ctx.scratch);
  const barmanSeconds = secs(t0);
  const theirs = names.length / barmanSeconds;
  log(`  ${names.length} segments in ${f1(barmanSeconds)} s`);
  rmSync(walDir, { recursive: true, force: true });
  ctx.figures.push({ what: 'WAL archiving (backlog drain)', unit: 'segments/s', ours, barman: theirs, target: 10 });
  ctx.notes.push(`WAL archiving: ${names.length} real 16 MB segments; cnpg drain rate after the store came back (wal.maxParallel ${o.walParallel}); barman ${f1(barmanSeconds)} s sequential`);
}

/** The backlog's segment names, oldest first, once every one of the n is marked ready. */
async function segmentsToArchive(ctx: Ctx, n: number): Promise<string[]> {
  const ready = await poll(async () => {
    const r = readySegments(ctx.pod.pgdata).sort();
    return r.length >= n ? r : undefined;
  }, 30_000, 100);
  if (!ready) throw new Error(`fewer than ${n} segments ready while the store was down: ${readySegments(ctx.pod.pgdata).length}`);
  return ready.slice(-n);
}

async function keepUpRun(ctx: Ctx): Promise<void> {
  const { o, pod } = ctx;
  log(`keep-up: pgbench -n -c 4 -j 2 -T ${o.pgbenchSeconds} through ${NAME}-rw (synchronous_commit ${o.syncCommit ? 'on' : 'off'}), backlog sampled every second`);
  const client = new pg.Client({ connectionString: ctx.uri });
  await client.connect();
  const lsn = async () => parseLsn((await client.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0]?.l ?? '0/0');
  const samples: BacklogSample[] = [];
  try {
    const l0 = await lsn();
    const t0 = performance.now();
    let done = false;
    let lEnd = l0;
    let tEnd = 0;
    const bench = run('pgbench', ['-n', '-c', '4', '-j', '2', '-T', String(o.pgbenchSeconds), ctx.uri], {
      env: { ...process.env, PGOPTIONS: o.syncCommit ? '' : '-c synchronous_commit=off' },
      timeoutMs: (o.pgbenchSeconds + 120) * 1000,
    }).then(async (r) => {
      tEnd = secs(t0);
      lEnd = await lsn();
      done = true;
      return r;
    });
    while (!done || secs(t0) < tEnd + 30) {
      samples.push({ t: secs(t0), backlog: readySegments(pod.pgdata).length });
      if (done && secs(t0) > tEnd + 1 && (samples.at(-1)?.backlog ?? 0) <= 1 && secs(t0) > tEnd + 5) break;
      await sleep(1000 - (performance.now() - t0) % 1000);
    }
    const r = await bench;
    if (r.code !== 0) throw new Error(`pgbench: ${r.stderr}`);
    const tps = /tps = ([\d.]+)/.exec(r.stdout)?.[1]?.replace(/\..*/, '') ?? '?';
    const walMbS = (lEnd - l0) / MB / tEnd;
    const k = keepUp(samples, tEnd);
    log(`  ${tps} tps, WAL ${f1(walMbS)} MB/s (${f1(walMbS / 16)} segments/s); backlog max ${k.maxBacklog}, trend ${k.slope.toFixed(3)} segments/s, ≤ 1 again ${k.drainedAfter === undefined ? 'never' : `${f1(k.drainedAfter)} s`} after pgbench`);
    log(`  backlog per second: ${samples.map((s) => s.backlog).join(' ')}`);
    ctx.figures.push({ what: 'keep-up: WAL written by pgbench', unit: 'MB/s', ours: walMbS, barmanText: 'not run', targetText: '-' });
    ctx.figures.push({ what: 'keep-up: backlog max / final', unit: 'segments', oursText: `${k.maxBacklog} / ${k.finalBacklog}`, barmanText: 'not run', targetText: '-' });
    ctx.figures.push({
      what: 'keep-up: archiving keeps up',
      unit: '',
      oursText: k.keepsUp ? 'yes' : 'no',
      barmanText: 'not run',
      targetText: 'never behind',
      met: k.keepsUp,
    });
    ctx.notes.push(`keep-up: pgbench ${tps} tps for ${f1(tEnd)} s; backlog trend ${k.slope.toFixed(3)} segments/s; ≤ 1 again ${k.drainedAfter === undefined ? 'never' : `${f1(k.drainedAfter)} s`} after pgbench stopped`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function main(o: Options): Promise<void> {
  cleanupOnSignals();
  let ctx: Ctx | undefined;
  try {
    ctx = await setup(o);
    await load(ctx);
    const barmanId = await baseBackup(ctx);
    await restore(ctx, barmanId);
    await snapshots(ctx);
    await walArchiving(ctx);
    await keepUpRun(ctx);
  } finally {
    log('cleaning up');
    await cleanupAll();
  }
  console.log(`\nbackup (scale ${o.scale}, ${f1(ctx.bytes / MB)} MB; ${o.compression} on both sides; data.jobs = --jobs = ${o.jobs}; wal.maxParallel ${o.walParallel}; one MinIO on 127.0.0.1)\n`);
  console.log(table(HEADERS, figureRows(ctx.figures)));
  console.log(`\nlocal volume snapshot against the object store (cnpg-ts both, the same ${f1(ctx.bytes / MB)} MB)\n`);
  console.log(table(SNAPSHOT_HEADERS, snapshotRows(ctx.versus)));
  console.log(`\n${ctx.notes.map((n) => `- ${n}`).join('\n')}`);
}

runBench(parseArgs, main);
