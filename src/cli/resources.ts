// Turns the words people type (`clusters`, `cluster/x`, `po`, `svc`) into kinds the API knows.
import { resolveKind as resolveKnownKind, type KindInfo } from '../api/index.js';
import { CliError } from './client.js';

export type { KindInfo };

/** What the user typed, resolved by the API's resolveKind; a name it does not know is an error here. */
export function resolveKind(word: string): KindInfo {
  const info = resolveKnownKind(word);
  if (!info) throw new CliError(`error: the server doesn't have a resource type "${word}"`);
  return info;
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
