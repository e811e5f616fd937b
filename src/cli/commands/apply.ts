// `apply -f` and `create secret generic|namespace`: manifests go to the operator, which validates them all first.
import { readFileSync } from 'node:fs';
import { parseAllDocuments, stringify } from 'yaml';
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

/** Like kubectl, `-n` fills in a missing namespace and must agree with one that is given. */
export function withNamespace(manifest: string, namespace: string | undefined): string {
  if (!namespace) return manifest;
  const docs = parseAllDocuments(manifest);
  const out: string[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) return manifest; // the server reports syntax errors with positions
    const obj = doc.toJS() as { metadata?: { namespace?: string; name?: string } } | null;
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

export function secretManifest(name: string, namespace: string | undefined, literals: string[], files: string[], type: string): string {
  const data: Record<string, string> = {};
  for (const lit of literals) {
    const i = lit.indexOf('=');
    if (i <= 0) throw new CliError(`error: --from-literal must be KEY=VALUE, got "${lit}"`);
    data[lit.slice(0, i)] = Buffer.from(lit.slice(i + 1)).toString('base64');
  }
  for (const f of files) {
    const i = f.indexOf('=');
    const [key, path] = i > 0 ? [f.slice(0, i), f.slice(i + 1)] : [f.split('/').pop() ?? f, f];
    data[key] = readFileSync(path).toString('base64');
  }
  return stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name, ...(namespace ? { namespace } : {}) }, type, data });
}
