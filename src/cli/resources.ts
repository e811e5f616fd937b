// Turns the words people type (`clusters`, `cluster/x`, `po`, `svc`) into kinds the API knows.
import { KINDS } from '../api/index.js';
import { CliError } from './client.js';

export interface KindInfo {
  kind: string;
  apiVersion: string;
  plural: string;
  namespaced: boolean;
}

interface Names {
  kind: string;
  apiVersion: string;
  plural: string;
  singular: string;
  shortNames?: readonly string[];
  namespaced: boolean;
}

/**
 * Kinds that are only read locally, as views: the stored Events, each instance's data directory as
 * a PersistentVolumeClaim, and the operator itself as the Deployment kubectl users wait for.
 */
const VIEW_KINDS: readonly Names[] = [
  { kind: 'Event', apiVersion: 'v1', plural: 'events', singular: 'event', shortNames: ['ev'], namespaced: true },
  { kind: 'PersistentVolumeClaim', apiVersion: 'v1', plural: 'persistentvolumeclaims', singular: 'persistentvolumeclaim', shortNames: ['pvc', 'pvcs'], namespaced: true },
  { kind: 'Deployment', apiVersion: 'apps/v1', plural: 'deployments', singular: 'deployment', shortNames: ['deploy'], namespaced: true },
];

export function resolveKind(word: string): KindInfo {
  const w = word.toLowerCase();
  for (const info of [...Object.values(KINDS), ...VIEW_KINDS] as Names[]) {
    const group = info.apiVersion.includes('/') ? info.apiVersion.split('/')[0] : '';
    const names = [info.kind.toLowerCase(), info.plural, info.singular, ...(info.shortNames ?? [])];
    const qualified = group ? names.flatMap((n) => [`${n}.${group}`, n]) : names;
    if (qualified.includes(w)) return { kind: info.kind, apiVersion: info.apiVersion, plural: info.plural, namespaced: info.namespaced };
  }
  throw new CliError(`error: the server doesn't have a resource type "${word}"`);
}

/** `cluster/x` → [kind, x]; `cluster x y` → [kind, x, y]. */
export function resolveTargets(args: string[]): Array<{ info: KindInfo; name?: string }> {
  if (args.length === 0) throw new CliError('error: you must specify the type of resource, e.g. clusters, pods, services, secrets');
  if (args[0]?.includes('/')) {
    return args.map((a) => {
      const [k, name] = a.split('/', 2) as [string, string];
      if (!name) throw new CliError(`error: arguments in resource/name form must have a single resource and name, got "${a}"`);
      return { info: resolveKind(k), name };
    });
  }
  const info = resolveKind(args[0] as string);
  const names = args.slice(1);
  return names.length === 0 ? [{ info }] : names.map((name) => ({ info, name }));
}

export function qualifiedName(info: Pick<KindInfo, 'kind' | 'apiVersion'>, name: string): string {
  const group = info.apiVersion.includes('/') ? `.${info.apiVersion.split('/')[0]}` : '';
  return `${info.kind.toLowerCase()}${group}/${name}`;
}
