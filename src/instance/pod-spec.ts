// In a Pod the operator's Secret, mounted read-only, carries the instance spec and credentials; the
// data volume keeps the newest pair the manager has seen, which may be newer than the copy the
// kubelet last synced. Both sides are read whole or not at all: a file caught mid-write (or left
// half written by a crash) is never copied and never stops the manager from starting.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicallySync } from '../objectstore/atomic-file.js';
import type { InstancePaths } from './paths.js';

interface MountedPair {
  generation: number;
  spec: string;
  credentials: string;
}

function generationIn(text: string): number | undefined {
  try {
    const generation = (JSON.parse(text) as { generation?: unknown }).generation;
    return typeof generation === 'number' ? generation : undefined;
  } catch {
    return undefined;
  }
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function readMounted(specDir: string): MountedPair | undefined {
  const specFile = join(specDir, 'instance.json');
  const credentialsFile = join(specDir, 'credentials.json');
  if (!existsSync(specFile) || !existsSync(credentialsFile)) return undefined;
  const spec = readFileSync(specFile, 'utf8');
  const credentials = readFileSync(credentialsFile, 'utf8');
  const generation = generationIn(spec);
  return generation === undefined || !parses(credentials) ? undefined : { generation, spec, credentials };
}

/** The stored spec's generation, or undefined when there is none the manager could start from. */
function storedGeneration(target: Pick<InstancePaths, 'spec' | 'credentials'>): number | undefined {
  if (!existsSync(target.spec) || !existsSync(target.credentials)) return undefined;
  return parses(readFileSync(target.credentials, 'utf8')) ? generationIn(readFileSync(target.spec, 'utf8')) : undefined;
}

function tokenIn(text: string): string | undefined {
  const token = (JSON.parse(text) as { managerToken?: unknown }).managerToken;
  return typeof token === 'string' ? token : undefined;
}

/**
 * The operator keeps an instance's manager token for the instance's whole life: a stored pair with
 * another token was left on the volume by an earlier instance of that name, and is no newer.
 */
function earlierInstance(target: Pick<InstancePaths, 'credentials'>, mounted: MountedPair): boolean {
  const stored = tokenIn(readFileSync(target.credentials, 'utf8'));
  const given = tokenIn(mounted.credentials);
  return stored !== undefined && given !== undefined && stored !== given;
}

/**
 * Copies the mounted spec and credentials into the data volume when they are newer than (or
 * replace a missing or unreadable, or an earlier instance's) stored pair. Returns whether a usable stored pair now exists.
 */
export function adoptMountedSpec(specDir: string, target: Pick<InstancePaths, 'spec' | 'credentials'>): boolean {
  const stored = storedGeneration(target);
  const mounted = readMounted(specDir);
  if (mounted && (stored === undefined || mounted.generation > stored || earlierInstance(target, mounted))) {
    writeFileAtomicallySync(target.credentials, mounted.credentials, { mode: 0o600 });
    writeFileAtomicallySync(target.spec, mounted.spec, { mode: 0o600 });
    return true;
  }
  return stored !== undefined;
}
