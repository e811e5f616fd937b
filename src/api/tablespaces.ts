// spec.tablespaces: what a name may be, and the Kubernetes names a tablespace's volume takes.
// CloudNativePG's rules, so its manifests and PVC names carry over unchanged.
import type { z } from 'zod';
import { findDuplicates } from './common.js';
import { msg, report } from './errors.js';
import type { tablespaceSchema } from './cluster-storage.js';

export type TablespaceConfiguration = z.infer<typeof tablespaceSchema>;

const IDENTIFIER = /^[a-zA-Z_][a-zA-Z0-9_$]*$/;
const MAX_IDENTIFIER = 63;
export const RESERVED_TABLESPACE_PREFIX = 'pg_';

/**
 * A PostgreSQL identifier as a DNS-1123 label part: a leading _ becomes 1, $ and _ become -, and
 * letters go lower case. Two names may meet here (Tbs and tbs), which validation refuses.
 */
export function tablespaceVolumeSuffix(name: string): string {
  return name.replace(/^_/, '1').replaceAll('$', '-').replaceAll('_', '-').toLowerCase();
}

/** The claim holding a tablespace for one instance: `<pod>-tbs-<name>`. */
export const tablespacePvcName = (instance: string, name: string) => `${instance}-tbs-${tablespaceVolumeSuffix(name)}`;

/** The Pod volume (and mount) name of a tablespace: `tbs-<name>`. */
export const tablespaceVolumeName = (name: string) => `tbs-${tablespaceVolumeSuffix(name)}`;

export function checkTablespaces(tablespaces: readonly TablespaceConfiguration[], ctx: z.RefinementCtx): void {
  const path = (index: number) => ['spec', 'tablespaces', index, 'name'];
  tablespaces.forEach(({ name }, index) => {
    if (name.startsWith(RESERVED_TABLESPACE_PREFIX)) report(ctx, path(index), msg.tablespaceReserved(name));
    else if (!IDENTIFIER.test(name) || name.length > MAX_IDENTIFIER) report(ctx, path(index), msg.tablespaceIdentifier(name));
  });
  // PostgreSQL folds unquoted names to lower case: Tbs and tbs would be one tablespace in SQL written by hand.
  const duplicates = findDuplicates(tablespaces, (t) => t.name.toLowerCase());
  for (const { index, first } of duplicates) report(ctx, path(index), msg.duplicate('tablespace', tablespaces[index]?.name, first));
  const duplicateIndexes = new Set(duplicates.map((d) => d.index));
  for (const { index, first } of findDuplicates(tablespaces, (t) => tablespaceVolumeSuffix(t.name))) {
    if (!duplicateIndexes.has(index)) report(ctx, path(index), msg.tablespaceVolumeClash(tablespaces[index]!.name, tablespaceVolumeName(tablespaces[index]!.name), first));
  }
}
