// The bytes around a chunk's deflate blocks that make it a stream zlib inflates and checks on its
// own: a gzip member (the whole object is one; an index with only CRC-32s) or a zlib stream (an
// index with Adler-32s, cheaper to check).

/** gzip's member header: deflate, no name, no time, unknown OS. */
export const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);
/** A final empty fixed-Huffman block: what ends the deflate stream after the last chunk. */
export const FINAL_BLOCK = Buffer.from([0x03, 0x00]);
/** zlib's stream header: deflate, 32 KiB window, no dictionary. */
const ZLIB_HEADER = Buffer.from([0x78, 0x01]);

export type ChunkCheck = { adler: number } | { crc: number; size: number };

/** The chunk's deflate blocks as a stream of its own, in fresh memory (moved to the thread that inflates it). */
export function wrappedChunk(blocks: Buffer, check: ChunkCheck): Uint8Array {
  const header = 'adler' in check ? ZLIB_HEADER : GZIP_HEADER;
  const trailerBytes = 'adler' in check ? 4 : 8;
  const own = Buffer.from(new ArrayBuffer(header.length + blocks.length + FINAL_BLOCK.length + trailerBytes));
  header.copy(own, 0);
  blocks.copy(own, header.length);
  const end = header.length + blocks.length;
  FINAL_BLOCK.copy(own, end);
  if ('adler' in check) {
    own.writeUInt32BE(check.adler >>> 0, end + 2);
  } else {
    own.writeUInt32LE(check.crc >>> 0, end + 2);
    own.writeUInt32LE(check.size % 2 ** 32, end + 6);
  }
  return new Uint8Array(own.buffer, own.byteOffset, own.length);
}
