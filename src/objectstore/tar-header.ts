// Reading tar headers (ustar, with pax 'x' records and GNU long names): what the chunked writer
// needs to know where entries begin and end, and what the parallel restore needs to unpack a
// chunk that starts anywhere in the archive. tar-stream keeps its header decoder private.
import { ObjectStoreError } from './errors.js';

export const BLOCK = 512;

/** pax extended headers, pax global headers, GNU long name, GNU long link name. */
const META_TYPES = new Set(['x', 'g', 'L', 'K']);

export interface RawHeader {
  /** The typeflag character ('0' for a file, '5' for a directory, 'x' for pax…). */
  flag: string;
  name: string;
  linkname: string;
  mode: number;
  size: number;
  mtime: number;
}

export function isMeta(flag: string): boolean {
  return META_TYPES.has(flag);
}

/** Bytes the body of an entry with this header takes, padding included. */
export function paddedSize(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

export function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/** One 512-byte header block; throws on a checksum mismatch (a corrupt archive or a misplaced chunk). */
export function decodeHeader(block: Buffer): RawHeader {
  if (block.length < BLOCK) throw new ObjectStoreError('invalid', 'backup archive ends inside a tar header');
  let sum = 8 * 32;
  for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += block[i]!;
  if (sum !== octal(block, 148, 8)) throw new ObjectStoreError('invalid', 'backup archive has a tar header with a bad checksum');
  const flag = block[156] === 0 ? '0' : String.fromCharCode(block[156]!);
  const magic = block.toString('latin1', 257, 263);
  const prefix = magic.startsWith('ustar') && magic !== 'ustar ' ? text(block, 345, 155) : '';
  const name = text(block, 0, 100);
  return {
    flag,
    name: prefix ? `${prefix}/${name}` : name,
    linkname: text(block, 157, 100),
    mode: octal(block, 100, 8),
    size: numeric(block, 124, 12),
    mtime: numeric(block, 136, 12),
  };
}

/** Applies a pax record set or a GNU long name/link body to the header that follows it. */
export function applyMeta(meta: { flag: string; body: Buffer }, h: RawHeader): RawHeader {
  if (meta.flag === 'L') return { ...h, name: cString(meta.body) };
  if (meta.flag === 'K') return { ...h, linkname: cString(meta.body) };
  if (meta.flag !== 'x') return h;
  const out = { ...h };
  let at = 0;
  while (at < meta.body.length) {
    const space = meta.body.indexOf(0x20, at);
    const len = space < 0 ? NaN : Number(meta.body.toString('latin1', at, space));
    if (!Number.isInteger(len) || len <= 0 || at + len > meta.body.length) break;
    const record = meta.body.toString('utf8', space + 1, at + len - 1);
    const eq = record.indexOf('=');
    const key = record.slice(0, eq);
    const value = record.slice(eq + 1);
    if (key === 'path') out.name = value;
    else if (key === 'linkpath') out.linkname = value;
    else if (key === 'size' && /^\d+$/.test(value)) out.size = Number(value);
    else if (key === 'mtime' && /^\d+(\.\d+)?$/.test(value)) out.mtime = Math.floor(Number(value));
    at += len;
  }
  return out;
}

function cString(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.toString('utf8', 0, nul < 0 ? b.length : nul);
}

function text(b: Buffer, at: number, len: number): string {
  return cString(b.subarray(at, at + len));
}

function octal(b: Buffer, at: number, len: number): number {
  const s = b.toString('latin1', at, at + len).replace(/[\0 ]+$/, '').trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new ObjectStoreError('invalid', `backup archive has a tar header with a bad number "${s}"`);
  return parseInt(s, 8);
}

/** Octal, or GNU's base-256 for sizes of 8 GiB and more. */
function numeric(b: Buffer, at: number, len: number): number {
  if ((b[at]! & 0x80) === 0) return octal(b, at, len);
  let n = b[at]! & 0x7f;
  for (let i = at + 1; i < at + len; i++) n = n * 256 + b[i]!;
  return n;
}
