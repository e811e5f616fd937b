// `create secret generic|tls NAME`: the Secret kubectl builds from literals and files, created
// through the operator, or printed with --dry-run=client -o yaml|json without creating it.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { validateObject } from '../../api/index.js';
import type { KubeObject } from '../../api/meta.js';
import { CliError, type DaemonClient } from '../client.js';
import { formatOutput } from '../format/output.js';
import { applyManifest } from './apply.js';

export interface CreateSecretOptions {
  namespace?: string;
  fromLiteral: string[];
  fromFile: string[];
  fromEnvFile: string[];
  type?: string;
  cert?: string;
  key?: string;
  dryRun?: 'none' | 'client' | 'server';
  output?: string;
}

export const SECRET_TYPES = ['generic', 'tls'] as const;

function readInput(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new CliError(`error: ${flag}: cannot read "${path}": ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

function put(data: Record<string, string>, key: string, value: Buffer): void {
  if (Object.hasOwn(data, key)) throw new CliError(`error: cannot add key ${key}, another key by that name already exists in Data for Secret`);
  data[key] = value.toString('base64');
}

function genericData(o: CreateSecretOptions): Record<string, string> {
  const data: Record<string, string> = {};
  for (const lit of o.fromLiteral) {
    const i = lit.indexOf('=');
    if (i <= 0) throw new CliError(`error: invalid literal source ${lit}, expected key=value`);
    put(data, lit.slice(0, i), Buffer.from(lit.slice(i + 1)));
  }
  for (const f of o.fromFile) {
    const i = f.indexOf('=');
    const [key, path] = i > 0 ? [f.slice(0, i), f.slice(i + 1)] : [basename(f), f];
    put(data, key, readInput(path, '--from-file'));
  }
  for (const file of o.fromEnvFile) {
    for (const line of readInput(file, '--from-env-file').toString('utf8').split('\n')) {
      const text = line.trim();
      if (text === '' || text.startsWith('#')) continue;
      const i = text.indexOf('=');
      if (i <= 0) throw new CliError(`error: --from-env-file ${file}: "${text}" is not KEY=VALUE`);
      put(data, text.slice(0, i), Buffer.from(text.slice(i + 1)));
    }
  }
  return data;
}

/** The Secret kubectl would send, as kubectl prints it with --dry-run=client (no type unless given). */
export function buildSecret(secretType: string, name: string, o: CreateSecretOptions): KubeObject {
  if (!(SECRET_TYPES as readonly string[]).includes(secretType)) throw new CliError(`error: unknown secret type "${secretType}" (allowed: ${SECRET_TYPES.join(', ')})`);
  let data: Record<string, string>;
  let type = o.type;
  if (secretType === 'tls') {
    if (!o.cert || !o.key) throw new CliError('error: create secret tls needs --cert=PATH and --key=PATH');
    data = { 'tls.crt': readInput(o.cert, '--cert').toString('base64'), 'tls.key': readInput(o.key, '--key').toString('base64') };
    type = 'kubernetes.io/tls';
  } else {
    data = genericData(o);
  }
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, ...(o.namespace ? { namespace: o.namespace } : {}) }, ...(type ? { type } : {}), data };
}

export async function createSecretCommand(connect: () => Promise<DaemonClient>, secretType: string, name: string, o: CreateSecretOptions): Promise<void> {
  const secret = buildSecret(secretType, name, o);
  // The same checks the operator makes, so a client dry run refuses what a create would.
  validateObject(structuredClone(secret));
  const dryRun = o.dryRun ?? 'none';
  if (dryRun !== 'client') {
    const client = await connect();
    if (await client.tryGet('Secret', o.namespace ?? 'default', name)) throw new CliError(`Error from server (AlreadyExists): secrets "${name}" already exists`);
    await applyManifest(client, JSON.stringify(secret), dryRun);
  }
  if (o.output) process.stdout.write(formatOutput(secret, o.output, { now: new Date() }));
  else process.stdout.write(`secret/${name} created${dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : ''}\n`);
}
