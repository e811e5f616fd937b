// WAL object names and keys, exactly as barman's xlog.py lays them out:
// <server>/wals/<TLI+log (16 hex)>/<segment>[.partial|.XXXXXXXX.backup][ext], and history
// files at <server>/wals/<TLI>.history[ext] (barman's hash_dir is '' for them).
import { compressionExtension, compressionOfExtension, type Compression } from './compression.js';

const XLOG_RE = /^([0-9A-Fa-f]{8})(?:([0-9A-Fa-f]{8})([0-9A-Fa-f]{8})(?:\.[0-9A-Fa-f]{8}\.backup|\.partial)?|\.history)$/;

export type WalFileKind = 'segment' | 'partial' | 'backup' | 'history';

export interface WalFileName {
  name: string;
  kind: WalFileKind;
  timeline: number;
}

/** Classifies a WAL-archive file name (no extension); undefined when it is not one. */
export function parseWalFileName(name: string): WalFileName | undefined {
  const m = XLOG_RE.exec(name);
  if (!m) return undefined;
  const timeline = parseInt(m[1] ?? '0', 16);
  const kind: WalFileKind = name.endsWith('.history')
    ? 'history'
    : name.endsWith('.partial')
      ? 'partial'
      : name.endsWith('.backup')
        ? 'backup'
        : 'segment';
  return { name, kind, timeline };
}

export function isWalFileName(name: string): boolean {
  return parseWalFileName(name) !== undefined;
}

/** barman's hash_dir: 'TTTTTTTTLLLLLLLL' for segments, '' for history files. */
export function walHashDir(walName: string): string {
  const parsed = parseWalFileName(walName);
  if (!parsed) throw new Error(`"${walName}" is not a WAL file name`);
  return parsed.kind === 'history' ? '' : walName.slice(0, 16).toUpperCase();
}

export function walPrefix(serverName: string): string {
  return `${serverName}/wals/`;
}

export function walKey(serverName: string, walName: string, compression?: Compression): string {
  const dir = walHashDir(walName);
  return `${walPrefix(serverName)}${dir ? `${dir}/` : ''}${walName}${compressionExtension(compression)}`;
}

/**
 * Reads an object's base name back into a WAL name and its compression, as barman's
 * get_wal_paths does (one optional compression suffix); undefined for anything else.
 */
export function parseWalObjectName(baseName: string): { name: string; compression?: Compression } | undefined {
  if (isWalFileName(baseName)) return { name: baseName };
  const dot = baseName.lastIndexOf('.');
  if (dot < 0) return undefined;
  const compression = compressionOfExtension(baseName.slice(dot));
  const name = baseName.slice(0, dot);
  if (!compression || !isWalFileName(name)) return undefined;
  return { name, compression };
}
