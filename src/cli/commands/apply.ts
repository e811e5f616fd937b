// `apply -f` and `create secret generic|namespace`: manifests go to the operator, which validates them all first.
import { readFileSync } from 'node:fs';
import { parseAllDocuments, stringify } from 'yaml';
import { findTooDeep, MAX_YAML_ALIASES } from '../../api/yaml-bounds.js';
import type { DaemonClient } from '../client.js';
import { CliError } from '../client.js';
import { qualifiedName } from '../resources.js';

export interface ApplyResult {
  results: Array<{ apiVersion: string; kind: string; name: string; namespace?: string; action: string }>;
  warnings: string[];
}

export function readManifest(file: string): string {
  try {
    return file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`error: cannot read ${file === '-' ? 'standard input' : `"${file}"`}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

const URL_SOURCE = /^https?:\/\//;
const FETCH_TIMEOUT_MS = 30_000;

/** A release manifest of CloudNativePG's operator (or this one's): locally the operator is built in. */
export function isOperatorRelease(source: string): boolean {
  return URL_SOURCE.test(source) && /\/releases\/cnpg(?:-ts)?-\d[^/]*\.yaml$/.test(source);
}

/** `-f FILE`, `-f -` or, as kubectl reads it, `-f https://…`. */
export async function readManifestSource(source: string): Promise<string> {
  if (!URL_SOURCE.test(source)) return readManifest(source);
  let res: Response;
  try {
    res = await fetch(source, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (e) {
    const cause = (e as Error & { cause?: Error }).cause?.message ?? (e as Error).message;
    throw new CliError(`error: unable to read URL "${source}": ${cause}`);
  }
  if (!res.ok) throw new CliError(`error: unable to read URL "${source}", server reported ${res.status} ${res.statusText}, status code=${res.status}`);
  return res.text();
}

/**
 * The documents of a manifest, or undefined when it is not YAML within the bounds the operator
 * checks (too deep, an alias bomb, a syntax error): the operator then says where and why.
 */
export function decodeDocuments(manifest: string): unknown[] | undefined {
  if (findTooDeep(manifest)) return undefined;
  const docs = parseAllDocuments(manifest);
  if (docs.some((d) => d.errors.length > 0)) return undefined;
  try {
    return docs.map((d) => d.toJS({ maxAliasCount: MAX_YAML_ALIASES }) as unknown);
  } catch {
    return undefined;
  }
}

/** Like kubectl, `-n` fills in a missing namespace and must agree with one that is given. */
export function withNamespace(manifest: string, namespace: string | undefined): string {
  if (!namespace) return manifest;
  const docs = decodeDocuments(manifest);
  if (!docs) return manifest;
  const out: string[] = [];
  for (const decoded of docs) {
    const obj = decoded as { metadata?: { namespace?: string; name?: string } } | null;
    if (obj === null || typeof obj !== 'object') continue;
    obj.metadata ??= {};
    if (obj.metadata.namespace && obj.metadata.namespace !== namespace) {
      throw new CliError(`error: the namespace from the provided object "${obj.metadata.namespace}" does not match the namespace "${namespace}". You must pass '--namespace=${obj.metadata.namespace}' to perform this operation.`);
    }
    obj.metadata.namespace = namespace;
    out.push(stringify(obj));
  }
  return out.join('---\n');
}

export async function applyManifest(client: DaemonClient, manifest: string, dryRun: 'none' | 'client' | 'server'): Promise<string> {
  const r = await client.request<ApplyResult>('POST', '/apply', {}, { manifest, dryRun });
  for (const w of r.warnings) process.stderr.write(`Warning: ${w}\n`);
  return r.results.map((x) => `${qualifiedName(x, x.name)} ${x.action}\n`).join('');
}
