// spec.postgresql.shared_preload_libraries and spec.postgresql.extensions (also an image catalog
// entry's extensions): what may be loaded into the server and where its files come from.
import { z } from 'zod';
import { msg, report } from './errors.js';
import { findDuplicates, plainString } from './common.js';

// A file name in the server's library directories: anything else (a path, a comma, a quote)
// would name something other than a library of the build or of a declared extension.
const LIBRARY_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export const libraryName = z.string().superRefine((name, ctx) => {
  if (!LIBRARY_NAME.test(name) || name.length > 63) report(ctx, [], msg.libraryName(name));
});

// Relative to the extension's directory (a mounted image, or a local folder): a leading slash
// or ./ is read as inside it, as the reference reads it; .. could leave it, and a colon would
// add another folder to the colon-separated lists these entries are joined into.
const extensionPath = plainString.superRefine((path, ctx) => {
  if (path.split('/').includes('..') || path.includes(':')) report(ctx, [], msg.extensionPath(path));
});

/** `${name}` after an odd number of dollars is a placeholder; an even number escapes it. */
const PLACEHOLDER = /(\$+)\{([^}]+)\}/g;

/** The placeholders an env value names that are not `${image_root}`. */
export function unknownPlaceholders(value: string): string[] {
  return [...value.matchAll(PLACEHOLDER)].filter((m) => (m[1] ?? '').length % 2 === 1 && m[2] !== 'image_root').map((m) => `\${${m[2]}}`);
}

/** An env value with `${image_root}` turned into the extension's folder and `$${` into `${`. */
export function expandPlaceholders(value: string, imageRoot: string): string {
  return value.replace(PLACEHOLDER, (match: string, dollars: string, name: string) => {
    const kept = '$'.repeat(Math.floor(dollars.length / 2));
    if (dollars.length % 2 === 0) return `${kept}{${name}}`;
    return name === 'image_root' ? `${kept}${imageRoot}` : match;
  });
}

/** The volume an extension image is mounted from: `ext-` and the name with hyphens for underscores. */
export const extensionVolumeName = (name: string): string => `ext-${name.replaceAll('_', '-')}`;

const extensionSchema = z.strictObject({
  name: z
    .string()
    .max(59)
    .regex(/^[a-z0-9]([-a-z0-9_]*[a-z0-9])?$/),
  image: z
    .strictObject({
      reference: plainString.optional(),
      pullPolicy: z.enum(['Always', 'Never', 'IfNotPresent']).optional(),
    })
    .optional(),
  extension_control_path: z.array(extensionPath).optional(),
  dynamic_library_path: z.array(extensionPath).optional(),
  ld_library_path: z.array(extensionPath).optional(),
  bin_path: z.array(extensionPath).optional(),
  env: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/),
        value: plainString,
      }),
    )
    .optional(),
});

export type ExtensionConfiguration = z.infer<typeof extensionSchema>;

/** Names unique, and unique again once turned into volume names. */
export const extensionsSchema = z.array(extensionSchema).superRefine((extensions, ctx) => {
  for (const { index, first } of findDuplicates(extensions, (e) => e.name)) {
    report(ctx, [index, 'name'], msg.duplicate('extension', extensions[index]?.name, first));
  }
  for (const { index, first } of findDuplicates(extensions, (e) => extensionVolumeName(e.name))) {
    const name = extensions[index]?.name ?? '';
    // The same name twice is reported above.
    if (extensions[first]?.name !== name) report(ctx, [index, 'name'], msg.extensionVolumeName(extensionVolumeName(name), first));
  }
  extensions.forEach((extension, index) => {
    const env = extension.env ?? [];
    for (const { index: at, first } of findDuplicates(env, (v) => v.name)) report(ctx, [index, 'env', at, 'name'], msg.duplicate('variable', env[at]?.name, first));
    for (const [at, variable] of env.entries()) {
      if (/^(PATH|LD_LIBRARY_PATH)$/.test(variable.name) || /^(PG.*|CNPG_.*|POD_NAME|NAMESPACE|CLUSTER_NAME)$/i.test(variable.name)) {
        report(ctx, [index, 'env', at, 'name'], msg.extensionEnvName(variable.name));
      }
      const unknown = unknownPlaceholders(variable.value);
      if (unknown.length > 0) report(ctx, [index, 'env', at, 'value'], msg.extensionPlaceholder(unknown));
    }
  });
});

/** The first PostgreSQL major with extension_control_path, without which CREATE EXTENSION finds no control file outside the server's own folder. */
export const EXTENSIONS_MIN_MAJOR = 18;

/**
 * A Cluster naming its image directly must give each extension's image (the catalog may give
 * it otherwise); a major known to lack extension_control_path is refused.
 */
export function checkClusterExtensions(
  extensions: readonly ExtensionConfiguration[],
  major: number | undefined,
  usesCatalog: boolean,
  ctx: z.RefinementCtx,
): void {
  const at = ['spec', 'postgresql', 'extensions'];
  if (extensions.length > 0 && major !== undefined && major < EXTENSIONS_MIN_MAJOR) report(ctx, at, msg.extensionsNeedMajor(major));
  if (usesCatalog) return;
  extensions.forEach((extension, index) => {
    if (!extension.image?.reference) report(ctx, [...at, index, 'image', 'reference'], msg.extensionImageRequired());
  });
}
