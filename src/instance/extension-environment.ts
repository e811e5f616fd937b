// PostgreSQL's environment from spec.env and the declared extensions: each extension's
// ld_library_path and bin_path entries appended to LD_LIBRARY_PATH and PATH, its env variables set
// with ${image_root} as its folder, as CloudNativePG's instance manager sets them.
import { isAbsolute, join, relative } from 'node:path';
import { expandPlaceholders } from '../api/cluster-extensions.js';
import { extensionRoot, type ExtensionImage } from './libraries-spec.js';
import type { InstanceSpec } from './spec.js';

/** Folders inside the extension's root; an entry that would leave it is skipped (admission refuses it first). */
function inside(root: string, paths: readonly string[] | undefined): string[] {
  return (paths ?? []).flatMap((p) => {
    const folder = join(root, p).replace(/(.)\/+$/, '$1');
    const rel = relative(root, folder);
    return p.includes(':') || rel === '..' || rel.startsWith('../') || isAbsolute(rel) ? [] : [folder];
  });
}

const appended = (existing: string | undefined, extra: readonly string[]) => (existing ? [existing, ...extra] : extra).join(':');

/** The variables the extensions add or extend; `inherited` is what PostgreSQL would get otherwise. */
export function extensionEnvironment(extensions: readonly ExtensionImage[], extensionsRoot: string | undefined, inherited: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const libraries = extensions.flatMap((e) => inside(extensionRoot(e, extensionsRoot), e.ld_library_path));
  const binaries = extensions.flatMap((e) => inside(extensionRoot(e, extensionsRoot), e.bin_path));
  const variables = extensions.flatMap((e) => (e.env ?? []).map((v) => [v.name, expandPlaceholders(v.value, extensionRoot(e, extensionsRoot))] as const));
  return {
    // A later extension's variable wins over an earlier one's, as in CloudNativePG.
    ...Object.fromEntries(variables),
    ...(libraries.length > 0 ? { LD_LIBRARY_PATH: appended(inherited['LD_LIBRARY_PATH'], libraries) } : {}),
    ...(binaries.length > 0 ? { PATH: appended(inherited['PATH'], binaries) } : {}),
  };
}

/** What the postmaster gets on top of the manager's own environment. */
export function postgresEnvironment(spec: Pick<InstanceSpec, 'env' | 'libraries' | 'extensionsRoot'>, inherited: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const env = spec.env ?? {};
  return { ...env, ...extensionEnvironment(spec.libraries?.extensions ?? [], spec.extensionsRoot, { ...inherited, ...env }) };
}
