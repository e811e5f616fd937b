// Reads the local store's folder once, at start: `<namespace>/<kind>/<name>.json`. A file that
// cannot be the object its path names (empty, cut short, not JSON, not an object, another kind or
// name) is moved aside to `<file>.corrupt-<time>` and reported, so that one bad file costs that
// object and never the daemon's start.
import { existsSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../api/meta.js';

export const CLUSTER_SCOPED_FOLDER = '_cluster';

export interface SetAside {
  file: string;
  /** Undefined when it could not be moved (a read-only store): it was skipped where it is. */
  movedTo?: string;
  reason: string;
  /** As the file's path names it: the kind's folder, the namespace, the name. */
  kindFolder: string;
  namespace?: string;
  name: string;
}

export interface LoadedStore {
  objects: KubeObject[];
  setAside: SetAside[];
}

function folders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
}

/** Why `text` is not the object its path names, or the object. */
export function readStoredObject(text: string, where: { kindFolder: string; namespace?: string; name: string }): KubeObject | string {
  if (text.trim() === '') return 'the file is empty';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return `not JSON: ${(e as Error).message}`;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'not a JSON object';
  const obj = parsed as Partial<KubeObject>;
  if (typeof obj.kind !== 'string' || typeof obj.apiVersion !== 'string') return 'no kind or apiVersion';
  if (typeof obj.metadata !== 'object' || obj.metadata === null || typeof obj.metadata.name !== 'string') return 'no metadata.name';
  if (obj.kind.toLowerCase() !== where.kindFolder) return `kind is ${obj.kind}, but the file is in the folder of ${where.kindFolder}`;
  if (obj.metadata.name !== where.name) return `metadata.name is ${obj.metadata.name}, but the file is named ${where.name}.json`;
  if ((obj.metadata.namespace ?? undefined) !== where.namespace) return `metadata.namespace is ${obj.metadata.namespace ?? '(none)'}, but the file is in ${where.namespace ?? 'the cluster-scoped folder'}`;
  return obj as KubeObject;
}

/** `path`, or `path-2`, `path-3`…: a file set aside earlier in the same second is kept too. */
function unused(path: string): string {
  let candidate = path;
  for (let n = 2; existsSync(candidate); n++) candidate = `${path}-${n}`;
  return candidate;
}

export function loadStore(dir: string, now = new Date()): LoadedStore {
  const loaded: LoadedStore = { objects: [], setAside: [] };
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  let namespaces: string[];
  try {
    namespaces = folders(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return loaded;
    throw e;
  }
  for (const nsFolder of namespaces) {
    const namespace = nsFolder === CLUSTER_SCOPED_FOLDER ? undefined : nsFolder;
    for (const kindFolder of folders(join(dir, nsFolder))) {
      for (const entry of readdirSync(join(dir, nsFolder, kindFolder))) {
        if (!entry.endsWith('.json')) continue;
        const file = join(dir, nsFolder, kindFolder, entry);
        const where = { kindFolder, namespace, name: entry.slice(0, -'.json'.length) };
        let found: KubeObject | string;
        try {
          found = readStoredObject(readFileSync(file, 'utf8'), where);
        } catch (e) {
          found = `unreadable: ${(e as Error).message}`;
        }
        if (typeof found !== 'string') {
          loaded.objects.push(found);
          continue;
        }
        let movedTo: string | undefined = unused(`${file}.corrupt-${stamp}`);
        try {
          renameSync(file, movedTo);
        } catch (e) {
          // A store that cannot be changed still starts; the file is skipped where it lies.
          found += `; it could not be moved aside: ${(e as Error).message}`;
          movedTo = undefined;
        }
        loaded.setAside.push({ file, movedTo, reason: found, ...where });
      }
    }
  }
  return loaded;
}
