import test from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { deflateSync, gzipSync, inflateRawSync } from 'node:zlib';
import { FINAL_BLOCK, wrappedChunk } from './chunk-wrappers.js';
import { deflateChunk } from './deflate-chunk.js';
import { inflateInto } from './inflate-into.js';

function collected(input: Buffer | Uint8Array, out: Buffer, format: 'gzip' | 'zlib'): { data: Buffer; pieces: number } {
  const parts: Buffer[] = [];
  for (const piece of inflateInto(Buffer.from(input), out, format)) {
    assert.equal(piece.buffer, out.buffer, 'every piece is the caller’s buffer');
    parts.push(Buffer.from(piece));
  }
  return { data: Buffer.concat(parts), pieces: parts.length };
}

const original = Buffer.concat([randomBytes(300_000), Buffer.alloc(2_000_000, 'pg'), randomBytes(5)]);

test('a gzip member or a zlib stream inflates into one reused buffer, a piece at a time, whole', () => {
  for (const [format, input] of [['gzip', gzipSync(original)], ['zlib', deflateSync(original)]] as const) {
    const { data, pieces } = collected(input, Buffer.alloc(64 * 1024), format);
    assert.ok(data.equals(original), format);
    assert.equal(pieces, Math.ceil(original.length / (64 * 1024)), format);
  }
  assert.equal(collected(gzipSync(Buffer.alloc(0)), Buffer.alloc(1024), 'gzip').data.length, 0);
});

test('a wrong check, a wrong size or a truncated stream throws instead of ending quietly', () => {
  const gz = gzipSync(Buffer.alloc(500_000, 'x'));
  const zl = deflateSync(Buffer.alloc(500_000, 'x'));
  const flipped = (b: Buffer, at: number) => {
    const c = Buffer.from(b);
    c[at]! ^= 1;
    return c;
  };
  for (const [input, format, message] of [
    [flipped(gz, gz.length - 8), 'gzip', /incorrect data check/],
    [flipped(gz, gz.length - 1), 'gzip', /incorrect length check/],
    [gz.subarray(0, gz.length - 20), 'gzip', /unexpected end of file/],
    [flipped(zl, zl.length - 1), 'zlib', /incorrect data check/],
    [zl.subarray(0, zl.length - 20), 'zlib', /unexpected end of file/],
  ] as const) {
    assert.throws(() => collected(input, Buffer.alloc(4096), format), message);
  }
});

test('a chunk deflated with its Adler-32 is the same raw deflate as ever and checks against it once wrapped', async () => {
  const { body, adler } = await deflateChunk(original, 6);
  // The blocks end on a full flush: with the final block after them they are a whole raw stream.
  assert.ok(inflateRawSync(Buffer.concat([body, FINAL_BLOCK])).equals(original));
  assert.equal(adler, deflateSync(original).readUInt32BE(deflateSync(original).length - 4));
  assert.ok(collected(wrappedChunk(body, { adler }), Buffer.alloc(1 << 20), 'zlib').data.equals(original));
  assert.throws(() => collected(wrappedChunk(body, { adler: adler ^ 1 }), Buffer.alloc(1 << 20), 'zlib'), /incorrect data check/);
  const empty = await deflateChunk(Buffer.alloc(0), 1);
  assert.equal(empty.adler, 1);
});
