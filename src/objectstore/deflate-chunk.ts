// One chunk of a chunked tar compressed on its own (chunked-tar.ts): raw deflate blocks ending
// byte-aligned on a full flush, so chunks concatenate into one deflate stream, and the chunk's
// Adler-32, which a restore checks nearly for free (zlib computes it with SIMD; CRC-32 took a
// sixth of the restore's CPU). Node has no Adler-32 function: the chunk is deflated inside a zlib
// wrapper, flushed, then finished, and the wrapper taken off again: a 2-byte header before the
// blocks, and after them the empty final block and the Adler-32 that finishing adds.
import { once } from 'node:events';
import { constants, createDeflate } from 'node:zlib';
import { FINAL_BLOCK } from './chunk-wrappers.js';

export async function deflateChunk(data: Buffer, level: number): Promise<{ body: Buffer; adler: number }> {
  const deflate = createDeflate({ level, chunkSize: 256 * 1024 });
  const parts: Buffer[] = [];
  deflate.on('data', (b: Buffer) => parts.push(b));
  const ended = once(deflate, 'end');
  deflate.write(data);
  await new Promise<void>((resolve) => deflate.flush(constants.Z_FULL_FLUSH, resolve));
  deflate.end();
  await ended;
  const all = Buffer.concat(parts);
  const final = all.subarray(all.length - 6, all.length - 4);
  if (!final.equals(FINAL_BLOCK)) throw new Error(`zlib ended a flushed stream with ${final.toString('hex')}, not an empty final block`);
  return { body: all.subarray(2, all.length - 6), adler: all.readUInt32BE(all.length - 4) };
}
