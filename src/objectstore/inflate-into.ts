// Inflating a chunk into one reused buffer, synchronously, on the thread that called. Node's
// public zlib API hands out a fresh buffer for every piece of output (or one for the whole
// result): on a 1 GB restore that fresh memory cost more than the inflating itself (page faults,
// and major garbage collections driven by the external memory), 1.0 s against 0.42 s for the same
// chunks on two threads. So this drives the zlib handle underneath a Gunzip or Inflate stream, the calls
// Node's own synchronous zlib functions make (lib/zlib.js processChunkSync), into a buffer the
// caller owns; inflate-into.test.ts pins that contract, so a Node that changed it fails there.
import { constants, Gunzip, Inflate } from 'node:zlib';
import { ObjectStoreError } from './errors.js';

interface ZlibHandle {
  writeSync(flush: number, input: Buffer, inOff: number, inLen: number, out: Buffer, outOff: number, outLen: number): void;
  onerror: (message: string, errno: number, code: string) => void;
}

interface ZlibInternals {
  _handle: ZlibHandle;
  /** [output space left, input bytes left] after each write. */
  _writeState: Uint32Array;
}

/**
 * The gzip member or zlib stream `input` inflated into `out`, a piece at a time: each piece is
 * `out` itself (or its start) and is valid until the next one is asked for. The check in its
 * trailer (CRC-32 and size, or Adler-32) is verified by zlib; a mismatch or a truncated stream throws.
 */
export function* inflateInto(input: Buffer, out: Buffer, format: 'gzip' | 'zlib'): Generator<Buffer, void, undefined> {
  const inflater = format === 'gzip' ? new Gunzip() : new Inflate();
  const { _handle: handle, _writeState: state } = inflater as unknown as ZlibInternals;
  let failure: string | undefined;
  handle.onerror = (message) => {
    failure = message;
  };
  try {
    let at = 0;
    let left = input.length;
    for (;;) {
      handle.writeSync(constants.Z_FINISH, input, at, left, out, 0, out.length);
      if (failure !== undefined) throw new ObjectStoreError('invalid', `backup chunk does not inflate: ${failure}`);
      const spaceLeft = state[0]!;
      const inputLeft = state[1]!;
      if (spaceLeft < out.length) yield out.subarray(0, out.length - spaceLeft);
      at += left - inputLeft;
      left = inputLeft;
      // Space left over means zlib reached the end of the member: a full buffer may hide more.
      if (spaceLeft !== 0) return;
    }
  } finally {
    inflater.close();
  }
}
