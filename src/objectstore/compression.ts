// Compression codecs and their file extensions, as barman-cloud names them. Every codec is a
// pair of Node transforms so WAL files and base-backup tars stream through without being held
// in memory — except lz4, whose in-process library only works on whole buffers (fine for a
// 16 MB WAL segment; base backups refuse it, see `isStreamingCompression`). bzip2, xz and zstd
// stream through the system programs (Debian's bzip2, xz-utils, zstd): no maintained in-process
// library for them installs on Node 20 without compiling native code at install time.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { Duplex, PassThrough, Transform, type TransformCallback } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import type * as Lz4 from 'lz4-napi';
import type * as Snappy from 'snappy';
import { ObjectStoreError } from './errors.js';

// Native codecs load on first use: the instance manager must stay small when it archives with
// gzip or not at all (each of these adds megabytes of resident memory).
const require = createRequire(import.meta.url);
const lz4 = () => require('lz4-napi') as typeof Lz4;
const snappy = () => require('snappy') as typeof Snappy;

/** zlib's default 16 KiB output chunks make gigabyte streams crawl through many small writes. */
const CHUNK = 1 << 20;

export type Compression = 'gzip' | 'bzip2' | 'snappy' | 'xz' | 'zstd' | 'lz4';

export const COMPRESSIONS: readonly Compression[] = ['gzip', 'bzip2', 'snappy', 'xz', 'zstd', 'lz4'];

// barman's extensions (cloud.py ALLOWED_COMPRESSIONS, and newer barman-cloud for xz/zstd/lz4).
const EXTENSIONS: Record<Compression, string> = {
  gzip: '.gz',
  bzip2: '.bz2',
  snappy: '.snappy',
  xz: '.xz',
  zstd: '.zst',
  lz4: '.lz4',
};

export function compressionExtension(compression: Compression | undefined): string {
  return compression ? EXTENSIONS[compression] : '';
}

/** The codec a file extension stands for ('.gz' → gzip); undefined when it is not one. */
export function compressionOfExtension(ext: string): Compression | undefined {
  return COMPRESSIONS.find((c) => EXTENSIONS[c] === ext);
}

export function parseCompression(text: string): Compression {
  const found = COMPRESSIONS.find((c) => c === text);
  if (!found) throw new ObjectStoreError('invalid', `unknown compression "${text}" (expected one of ${COMPRESSIONS.join(', ')})`);
  return found;
}

/** Whether the codec streams in bounded memory (so it may be used for base backups). */
export function isStreamingCompression(compression: Compression | undefined): boolean {
  return compression !== 'lz4';
}

/**
 * `fast` trades a little size for speed: WAL segments are compressed while PostgreSQL waits to
 * recycle them, and compress well even at gzip level 1.
 */
export function compressStream(compression: Compression | undefined, fast = false): Duplex {
  switch (compression) {
    case undefined:
      return new PassThrough();
    case 'gzip':
      return createGzip({ level: fast ? 1 : 6, chunkSize: CHUNK });
    case 'bzip2':
      return processFilter('bzip2', ['-c', '-9']);
    case 'snappy':
      return snappyTransform(new (snappy().Compressor)());
    case 'zstd':
      return processFilter('zstd', ['-c', '-q', '-3']);
    case 'xz':
      return processFilter('xz', ['-c', '-6']);
    case 'lz4':
      return wholeBufferTransform((b) => lz4().compressFrameSync(b));
    default:
      return unreachable(compression);
  }
}

export function decompressStream(compression: Compression | undefined): Duplex {
  switch (compression) {
    case undefined:
      return new PassThrough();
    case 'gzip':
      return createGunzip({ chunkSize: CHUNK });
    case 'bzip2':
      return processFilter('bzip2', ['-d', '-c']);
    case 'snappy':
      return snappyTransform(new (snappy().Decompressor)());
    case 'zstd':
      return processFilter('zstd', ['-d', '-c', '-q']);
    case 'xz':
      return processFilter('xz', ['-d', '-c']);
    case 'lz4':
      return wholeBufferTransform((b) => lz4().decompressFrameSync(b));
    default:
      return unreachable(compression);
  }
}

function unreachable(value: never): never {
  throw new ObjectStoreError('invalid', `unknown compression "${String(value)}"`);
}

/** snappy's framing-format (de)compressor — the format python-snappy's StreamCompressor writes. */
function snappyTransform(codec: { update(chunk: Uint8Array): Buffer; finish(): Promise<Buffer> }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      try {
        const out = codec.update(chunk);
        done(null, out.length > 0 ? out : undefined);
      } catch (err) {
        done(corrupt('snappy', err));
      }
    },
    flush(done: TransformCallback) {
      codec.finish().then(
        (tail) => done(null, tail.length > 0 ? tail : undefined),
        (err: unknown) => done(corrupt('snappy', err)),
      );
    },
  });
}

function wholeBufferTransform(apply: (input: Buffer) => Buffer): Transform {
  const chunks: Buffer[] = [];
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      chunks.push(chunk);
      done();
    },
    flush(done: TransformCallback) {
      try {
        done(null, apply(Buffer.concat(chunks)));
      } catch (err) {
        done(corrupt('lz4', err));
      }
    },
  });
}

/**
 * A filter process as a duplex stream. Used for bzip2 only: no maintained in-process bzip2
 * compressor exists for Node, and the system `bzip2` is the same libbz2 Python uses.
 */
function processFilter(command: string, args: string[]): Duplex {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const duplex = new Duplex({
    write(chunk: Buffer, _enc, done) {
      if (child.stdin.write(chunk)) done();
      else child.stdin.once('drain', () => done());
    },
    final(done) {
      child.stdin.end(() => done());
    },
    read() {
      child.stdout.resume();
    },
    destroy(err, done) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      done(err);
    },
  });
  child.stdout.on('data', (d: Buffer) => {
    if (!duplex.push(d)) child.stdout.pause();
  });
  // The output only ends once the exit status is known, so a failure is never mistaken for
  // a short but complete result.
  child.on('close', (code, signal) => {
    if (code === 0) duplex.push(null);
    else duplex.destroy(corrupt(command, new Error(`${command} exited with ${code ?? signal}: ${stderr.trim()}`)));
  });
  // A filter that exits early closes its stdin; the exit status above tells the story.
  child.stdin.on('error', () => undefined);
  child.on('error', (err: NodeJS.ErrnoException) => {
    const hint = err.code === 'ENOENT' ? ` ("${command}" is not installed; install the ${command} package)` : '';
    duplex.destroy(new ObjectStoreError('other', `cannot run ${command}${hint}: ${err.message}`, { cause: err }));
  });
  return duplex;
}

function corrupt(codec: string, err: unknown): ObjectStoreError {
  const detail = err instanceof Error ? err.message : String(err);
  return new ObjectStoreError('invalid', `${codec} data could not be processed (corrupt or truncated object?): ${detail}`, { cause: err });
}
