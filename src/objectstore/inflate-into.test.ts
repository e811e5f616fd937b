import test from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { inflateInto } from './inflate-into.js';

function collected(input: Buffer, out: Buffer): { data: Buffer; pieces: number } {
  const parts: Buffer[] = [];
  for (const piece of inflateInto(input, out)) {
    assert.equal(piece.buffer, out.buffer, 'every piece is the caller’s buffer');
    parts.push(Buffer.from(piece));
  }
  return { data: Buffer.concat(parts), pieces: parts.length };
}

test('a gzip member inflates into one reused buffer, a piece at a time, whole', () => {
  const original = Buffer.concat([randomBytes(300_000), Buffer.alloc(2_000_000, 'pg'), randomBytes(5)]);
  const { data, pieces } = collected(gzipSync(original), Buffer.alloc(64 * 1024));
  assert.ok(data.equals(original));
  assert.equal(pieces, Math.ceil(original.length / (64 * 1024)));
  assert.equal(collected(gzipSync(Buffer.alloc(0)), Buffer.alloc(1024)).data.length, 0);
});

test('a wrong CRC, a wrong size or a truncated member throws instead of ending quietly', () => {
  const good = gzipSync(Buffer.alloc(500_000, 'x'));
  const badCrc = Buffer.from(good);
  badCrc[badCrc.length - 8]! ^= 1;
  const badSize = Buffer.from(good);
  badSize[badSize.length - 1]! ^= 1;
  for (const [input, message] of [
    [badCrc, /incorrect data check/],
    [badSize, /incorrect length check/],
    [good.subarray(0, good.length - 20), /unexpected end of file/],
  ] as const) {
    assert.throws(() => collected(input, Buffer.alloc(4096)), message);
  }
});
