import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { pack } from 'tar-stream';
import { chunkIndexKey, consistent, readChunkIndex } from './chunk-index.js';
import { ChunkedTar } from './chunked-tar.js';
import { extractBaseBackup } from './extract.js';
import { FileBlobStore } from './file-store.js';
import { TarArchiveUpload } from './tar-archive.js';
import { TarCutter } from './tar-chunks.js';
import { TaskPool } from './task-pool.js';
import { setTimeout as sleep } from 'node:timers/promises';

const ID = '20260101T000000';
const entry = (name: string, size: number) => ({ name, type: 'file' as const, mode: 0o640, mtime: new Date(1_700_000_000_000), size });
/** Bytes that compress, unlike random ones, but differ from one offset to the next. */
const body = (size: number, seed: number) => Buffer.from(Array.from({ length: size }, (_, i) => (i * 7 + seed * 13 + (i >> 9)) % 251));

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'restore-unit-'));
}

async function tarOf(build: (p: ReturnType<typeof pack>) => void): Promise<Buffer> {
  const p = pack();
  build(p);
  p.finalize();
  const out: Buffer[] = [];
  for await (const c of p) out.push(c as Buffer);
  return Buffer.concat(out);
}

async function chunked(tar: Buffer, gzip: boolean, chunkBytes: number): Promise<{ object: Buffer; t: ChunkedTar }> {
  const t = new ChunkedTar({ gzip, chunkBytes, level: 1 });
  const out: Buffer[] = [];
  t.on('data', (b: Buffer) => out.push(b));
  // Pieces of odd sizes, as tar-stream hands them over.
  const pieces = [];
  for (let i = 0; i < tar.length; i += 777) pieces.push(tar.subarray(i, i + 777));
  await pipeline(Readable.from(pieces), t);
  return { object: Buffer.concat(out), t };
}

test('a chunked gzip is one gzip member that gzip and Python tarfile ("r|gz", as barman-cloud-restore) read whole; each chunk inflates on its own', async () => {
  const dir = tempDir();
  try {
    const long = `${'deep/'.repeat(30)}name-longer-than-a-ustar-field`;
    const tar = await tarOf((p) => {
      p.entry({ name: 'big', mode: 0o600 }, body(300_000, 1));
      p.entry({ name: long, mode: 0o600 }, body(50_000, 2));
      p.entry({ name: 'small', mode: 0o600 }, 'x');
    });
    const { object, t } = await chunked(tar, true, 64 * 1024);
    const index = t.index();
    assert.ok(index.chunks.length >= 5, `${index.chunks.length} chunks`);
    assert.ok(consistent(index, 'gzip'));
    assert.ok(index.chunks.some((c) => c.resume && c.resume.skip > 0), 'a chunk starts inside big');
    writeFileSync(join(dir, 'data.tar.gz'), object);
    const gunzip = spawnSync('gzip', ['-dc', join(dir, 'data.tar.gz')], { maxBuffer: 1 << 24 });
    assert.equal(gunzip.status, 0, gunzip.stderr.toString());
    assert.ok(gunzip.stdout.equals(tar), 'gzip -d gives the tar back (CRC and size checked)');
    const py = spawnSync('python3', ['-c', `import tarfile,sys\nwith tarfile.open(sys.argv[1], 'r|gz') as t: t.extractall(sys.argv[2])`, join(dir, 'data.tar.gz'), join(dir, 'py')]);
    assert.equal(py.status, 0, py.stderr.toString());
    assert.deepEqual(readFileSync(join(dir, 'py', long)), body(50_000, 2));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cuts fall on block boundaries inside bodies or between entries, never inside an entry\'s headers', async () => {
  const tar = await tarOf((p) => {
    p.entry({ name: 'a', mode: 0o600 }, body(5000, 1));
    p.entry({ name: `${'x'.repeat(150)}`, mode: 0o600 }, body(100, 2));
    p.entry({ name: 'd', type: 'directory', mode: 0o700 });
  });
  const cutter = new TarCutter();
  const seen: { pos: number; resume: ReturnType<TarCutter['resume']> }[] = [];
  for (let i = 0; i < tar.length; i++) {
    if (cutter.cuttable()) seen.push({ pos: cutter.pos, resume: cutter.resume() });
    cutter.feed(tar.subarray(i, i + 1));
  }
  assert.ok(seen.every((s) => s.pos % 512 === 0));
  // Inside a's body: its one header block and the bytes already passed.
  const inA = seen.find((s) => s.pos === 1024);
  assert.equal(inA?.resume?.skip, 512);
  assert.equal(inA?.resume?.header.length, 512);
  // The long name's pax header, its records and the real header form one group: no cut inside it.
  const aEnd = 512 + Math.ceil(5000 / 512) * 512;
  assert.ok(seen.some((s) => s.pos === aEnd && s.resume === undefined));
  assert.ok(!seen.some((s) => s.pos === aEnd + 512 || s.pos === aEnd + 1024));
});

async function chunkedBackup(dir: string, build: (p: ReturnType<typeof pack>) => void, gzip = true): Promise<FileBlobStore> {
  const store = new FileBlobStore(pathToFileURL(join(dir, 'store')).href);
  const { object, t } = await chunked(await tarOf(build), gzip, 4096);
  const key = `pg/base/${ID}/data.tar${gzip ? '.gz' : ''}`;
  await store.put(key, object);
  await store.put(chunkIndexKey(key), Buffer.from(JSON.stringify(t.index())));
  return store;
}

test('parts and chunks restore in parallel into the same files, modes and times, with the index or without it', async () => {
  const dir = tempDir();
  try {
    const store = new FileBlobStore(pathToFileURL(join(dir, 'store')).href);
    const data = new TarArchiveUpload(store, 'pg', ID, 'data', { compression: 'gzip', maxPartBytes: 40_000, chunkBytes: 8192 });
    await data.add({ name: 'base', type: 'directory', mode: 0o750, mtime: new Date(0) });
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 12; i++) {
      const name = `base/f${i}`;
      files[name] = body(1000 + i * 4000, i);
      await data.add(entry(name, files[name].length), files[name]);
    }
    files['global/pg_control'] = body(8192, 99);
    await data.add(entry('global/pg_control', 8192), files['global/pg_control']);
    const totals = await data.finish();
    assert.ok(totals.parts >= 3, `${totals.parts} parts`);
    const keys = (await store.list(`pg/base/${ID}/`)).map((e) => e.key.split('/').pop());
    assert.ok(keys.includes('data_0001.tar.gz') && keys.includes('cnpg-chunks-data_0001.tar.gz.json'), keys.join(' '));
    const index = await readChunkIndex(store, `pg/base/${ID}/data.tar.gz`, 'gzip');
    assert.ok(index && index.chunks.length > 2);
    for (const concurrency of [1, 3]) {
      const out = join(dir, `out-${concurrency}`);
      await extractBaseBackup(store, 'pg', { backupId: ID, status: 'DONE' }, out, [], { concurrency });
      for (const [name, content] of Object.entries(files)) {
        assert.deepEqual(readFileSync(join(out, name)), content, name);
        assert.equal(statSync(join(out, name)).mode & 0o777, 0o640);
        assert.equal(statSync(join(out, name)).mtimeMs, 1_700_000_000_000);
      }
      assert.equal(statSync(join(out, 'base')).mode & 0o777, 0o750);
      assert.ok(!existsSync(join(out, 'global/pg_control.cnpg-restoring')));
    }
    // Without the indexes (as barman-cloud wrote them), the same files come out.
    for (const k of keys.filter((n) => n?.startsWith('cnpg-chunks-'))) await store.delete([`pg/base/${ID}/${k}`]);
    await extractBaseBackup(store, 'pg', { backupId: ID, status: 'DONE' }, join(dir, 'plain'), [], { concurrency: 2 });
    assert.deepEqual(readFileSync(join(dir, 'plain/base/f11')), files['base/f11']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an uncompressed chunked tar restores chunk by chunk too', async () => {
  const dir = tempDir();
  try {
    const store = await chunkedBackup(dir, (p) => p.entry({ name: 'f', mode: 0o600 }, body(20_000, 3)), false);
    await extractBaseBackup(store, 'pg', { backupId: ID, status: 'DONE' }, join(dir, 'out'), [], { concurrency: 2 });
    assert.deepEqual(readFileSync(join(dir, 'out/f')), body(20_000, 3));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a hostile chunked archive is refused: .., absolute names, writing through its own symlink; the folder is left empty', async () => {
  const cases: [string, (p: ReturnType<typeof pack>) => void][] = [
    ['dotdot', (p) => p.entry({ name: '../escaped', mode: 0o600 }, 'x')],
    ['absolute', (p) => p.entry({ name: '/tmp/restore-unit-escaped-abs', mode: 0o600 }, 'x')],
    ['through-symlink-dir', (p) => {
      p.entry({ name: 'link', type: 'symlink', linkname: '..' });
      p.entry({ name: 'link/escaped-via-link', mode: 0o600 }, 'x');
    }],
    ['through-symlink-file', (p) => {
      p.entry({ name: 'f', type: 'symlink', linkname: '../escaped-file' });
      p.entry({ name: 'f', mode: 0o600 }, body(10_000, 1));
    }],
  ];
  for (const [name, build] of cases) {
    const dir = tempDir();
    try {
      const store = await chunkedBackup(dir, (p) => {
        p.entry({ name: 'before', mode: 0o600 }, body(9000, 1));
        build(p);
      });
      const out = join(dir, 'out');
      await assert.rejects(extractBaseBackup(store, 'pg', { backupId: ID, status: 'DONE' }, out, [], { concurrency: 2 }), /refusing|EEXIST/, name);
      assert.deepEqual(readdirSync(out), [], `${name}: nothing left that looks restored`);
      assert.ok(!existsSync(join(dir, 'escaped')) && !existsSync(join(dir, 'escaped-via-link')) && !existsSync(join(dir, 'escaped-file')), name);
      assert.ok(!existsSync('/tmp/restore-unit-escaped-abs'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('a corrupt chunk or an object that does not match its index fails the restore and empties the folder', async () => {
  const dir = tempDir();
  try {
    const store = await chunkedBackup(dir, (p) => {
      p.entry({ name: 'global/pg_control', mode: 0o600 }, body(8192, 5));
      p.entry({ name: 'f', mode: 0o600 }, body(30_000, 4));
    });
    const key = `pg/base/${ID}/data.tar.gz`;
    const object = readFileSync(join(dir, 'store', key));
    const index = JSON.parse(readFileSync(join(dir, 'store', chunkIndexKey(key)), 'utf8')) as { chunks: { offset: number; length: number }[] };
    const bad = Buffer.from(object);
    const c = index.chunks[2]!;
    bad.fill(0xff, c.offset, c.offset + c.length);
    await store.put(key, bad);
    await assert.rejects(extractBaseBackup(store, 'pg', { backupId: ID, status: 'DONE' }, join(dir, 'out'), [], { concurrency: 2 }));
    assert.deepEqual(readdirSync(join(dir, 'out')), []);
    // A chunk whose bytes inflate but are not what was written: its Adler-32 in the index says so,
    // and its CRC-32 in an index written before Adler-32s were kept (which still restores).
    await store.put(key, object);
    type Chunk = { crc: number; adler?: number };
    const edited = async (edit: (chunks: Chunk[]) => void) => {
      const copy = JSON.parse(readFileSync(join(dir, 'store', chunkIndexKey(key)), 'utf8')) as { chunks: Chunk[] };
      edit(copy.chunks);
      await store.put(chunkIndexKey(key), Buffer.from(JSON.stringify(copy)));
    };
    assert.ok((JSON.parse(readFileSync(join(dir, 'store', chunkIndexKey(key)), 'utf8')) as { chunks: Chunk[] }).chunks.every((ch) => Number.isInteger(ch.adler)));
    const noAdler = (chunks: Chunk[]) => chunks.forEach((ch) => delete ch.adler);
    for (const edit of [(chunks: Chunk[]) => (chunks[1]!.adler = (chunks[1]!.adler! ^ 1) >>> 0), (chunks: Chunk[]) => (noAdler(chunks), (chunks[1]!.crc = (chunks[1]!.crc ^ 1) >>> 0))]) {
      await edited(edit);
      await assert.rejects(extractBaseBackup(store, 'pg', { backupId: ID, status: 'DONE' }, join(dir, 'out'), [], { concurrency: 2 }), /incorrect data check/);
      assert.deepEqual(readdirSync(join(dir, 'out')), []);
      await store.put(chunkIndexKey(key), Buffer.from(JSON.stringify(index)));
    }
    await edited(noAdler);
    await extractBaseBackup(store, 'pg', { backupId: ID, status: 'DONE' }, join(dir, 'out'), [], { concurrency: 2 });
    assert.ok(readFileSync(join(dir, 'out', 'f')).equals(body(30_000, 4)));
    rmSync(join(dir, 'out'), { recursive: true });
    await store.put(chunkIndexKey(key), Buffer.from(JSON.stringify(index)));
    await store.put(key, object.subarray(0, object.length - 100));
    await assert.rejects(extractBaseBackup(store, 'pg', { backupId: ID, status: 'DONE' }, join(dir, 'out'), [], { concurrency: 2 }), /index expects|chunk/);
    assert.deepEqual(readdirSync(join(dir, 'out')), []);
    assert.ok(!lstatSync(join(dir, 'out')).isSymbolicLink());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a task pool runs at most its limit at once, holds the producer back, and reports the first failure once all have settled', async () => {
  const pool = new TaskPool(2);
  let running = 0;
  let most = 0;
  const finished: number[] = [];
  for (let i = 0; i < 6; i++) {
    await pool.run(async () => {
      running++;
      most = Math.max(most, running);
      await sleep(5);
      running--;
      finished.push(i);
    });
    assert.ok(running <= 2);
  }
  await pool.idle();
  assert.equal(most, 2);
  assert.equal(finished.length, 6);
  const failing = new TaskPool(3);
  let slowDone = false;
  await failing.run(async () => {
    await sleep(30);
    slowDone = true;
  });
  await failing.run(async () => Promise.reject(new Error('part 2 broke')));
  await sleep(5);
  await assert.rejects(failing.run(async () => undefined), /part 2 broke/);
  await assert.rejects(failing.idle(), /part 2 broke/);
  assert.ok(slowDone, 'idle waited for the task still running');
  assert.throws(() => new TaskPool(0));
});
