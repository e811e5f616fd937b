import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { COMPRESSIONS, compressStream, compressionExtension, decompressStream, type Compression } from './compression.js';

async function through(data: Buffer, codec: NodeJS.ReadWriteStream, chunk = 100_000): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunk) chunks.push(data.subarray(i, i + chunk));
  const [out] = await Promise.all([buffer(codec as NodeJS.ReadableStream), pipeline(Readable.from(chunks), codec)]);
  return out;
}

/** WAL-like: runs of zeros and repeated records with some random bytes. */
function walLike(size: number): Buffer {
  const out = Buffer.alloc(size);
  const record = randomBytes(200);
  for (let off = 0; off + 8192 <= size / 2; off += 8192) {
    record.copy(out, off);
    randomBytes(64).copy(out, off + 200);
  }
  return out;
}

test('every codec round-trips, in chunks, and actually compresses', async () => {
  const data = walLike(2 * 1024 * 1024 + 123);
  for (const c of COMPRESSIONS) {
    const packed = await through(data, compressStream(c));
    assert.ok(packed.length < data.length / 4, `${c} should compress WAL-like data (${packed.length} bytes)`);
    const unpacked = await through(packed, decompressStream(c), 4099);
    assert.ok(unpacked.equals(data), `${c} round-trip`);
  }
});

test('empty input round-trips', async () => {
  for (const c of COMPRESSIONS) {
    const unpacked = await through(await through(Buffer.alloc(0), compressStream(c)), decompressStream(c));
    assert.equal(unpacked.length, 0, c);
  }
});

test('corrupt input is an ObjectStoreError of kind invalid', async () => {
  const cases: Compression[] = ['gzip', 'bzip2', 'snappy', 'xz', 'lz4', 'zstd'];
  for (const c of cases) {
    await assert.rejects(through(Buffer.from('definitely not compressed data'), decompressStream(c)), (err: Error) => {
      assert.ok(err instanceof Error, c);
      return true;
    });
  }
});

test('snappy writes the framing format stream identifier python-snappy expects', async () => {
  const packed = await through(Buffer.from('hello'), compressStream('snappy'));
  assert.deepEqual(packed.subarray(0, 10), Buffer.from([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]));
});

test('extensions are barman-cloud\'s', () => {
  const got = Object.fromEntries(COMPRESSIONS.map((c) => [c, compressionExtension(c)]));
  assert.deepEqual(got, { gzip: '.gz', bzip2: '.bz2', snappy: '.snappy', xz: '.xz', zstd: '.zst', lz4: '.lz4' });
  assert.equal(compressionExtension(undefined), '');
});
