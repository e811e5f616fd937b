// LSN and WAL file-name arithmetic. LSNs are 64-bit; bigint keeps them exact.

const LSN_PATTERN = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;

export function parseLsn(text: string): bigint {
  const m = LSN_PATTERN.exec(text.trim());
  if (!m) throw new Error(`invalid LSN "${text}" (expected the form 0/16B3748)`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

export function formatLsn(value: bigint): string {
  const hi = (value >> 32n).toString(16).toUpperCase();
  const lo = (value & 0xffffffffn).toString(16).toUpperCase();
  return `${hi}/${lo}`;
}

/** Compares two LSN strings; undefined sorts before any LSN. */
export function compareLsn(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  const d = parseLsn(a) - parseLsn(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

export const DEFAULT_WAL_SEGMENT_SIZE = 16 * 1024 * 1024;

export function walFileName(timeline: number, lsn: string | bigint, segmentSize = DEFAULT_WAL_SEGMENT_SIZE): string {
  const value = typeof lsn === 'bigint' ? lsn : parseLsn(lsn);
  const segNo = value / BigInt(segmentSize);
  const segmentsPerXLogId = 0x100000000n / BigInt(segmentSize);
  const hex = (n: bigint | number) => n.toString(16).toUpperCase().padStart(8, '0');
  return hex(timeline) + hex(segNo / segmentsPerXLogId) + hex(segNo % segmentsPerXLogId);
}


/**
 * The WAL file holding the byte just before an LSN, as pg_walfile_name() names it: an LSN on a
 * segment boundary (the end of a record) belongs to the previous segment.
 */
export function pgWalfileName(timeline: number, lsn: string, segmentSize = DEFAULT_WAL_SEGMENT_SIZE): string {
  if (!Number.isInteger(timeline) || timeline < 1 || timeline > 0xffffffff) throw new Error(`invalid timeline ${timeline}`);
  const seg = BigInt(segmentSize);
  if (seg < 1n << 20n || seg > 1n << 30n || (seg & (seg - 1n)) !== 0n) {
    throw new Error(`invalid WAL segment size ${segmentSize}: a power of two from 1 MiB to 1 GiB`);
  }
  const value = parseLsn(lsn);
  return walFileName(timeline, value === 0n ? 0n : value - 1n, segmentSize);
}

const WAL_SEGMENT_NAME = /^[0-9A-F]{24}$/;

/** The segment after `name` on the same timeline; undefined for anything but a plain segment name. */
export function nextWalFileName(name: string, segmentSize = DEFAULT_WAL_SEGMENT_SIZE): string | undefined {
  if (!WAL_SEGMENT_NAME.test(name)) return undefined;
  const timeline = parseInt(name.slice(0, 8), 16);
  const segmentsPerXLogId = 0x100000000n / BigInt(segmentSize);
  const segNo = BigInt(`0x${name.slice(8, 16)}`) * segmentsPerXLogId + BigInt(`0x${name.slice(16)}`) + 1n;
  return walFileName(timeline, segNo * BigInt(segmentSize), segmentSize);
}
