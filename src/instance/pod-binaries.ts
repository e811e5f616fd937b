// In a Pod the image decides where PostgreSQL is. The operator names Debian's folder
// (/usr/lib/postgresql/<major>/bin), which CloudNativePG's and our images use; any other image with
// PostgreSQL on PATH works too, as CloudNativePG's manager runs `postgres` and `initdb` from PATH.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findInstallations, type PostgresInstallation } from '../postgres/binaries.js';
import type { InstanceSpec } from './spec.js';

/** The binaries of the spec's major in this image: the folder the spec names, else one on PATH. */
export function binDirInImage(spec: Pick<InstanceSpec, 'binDir' | 'major'>, installations: () => PostgresInstallation[] = () => findInstallations()): string {
  if (existsSync(join(spec.binDir, 'postgres'))) return spec.binDir;
  const found = installations();
  const match = found.find((i) => i.major === spec.major);
  if (match) return match.binDir;
  const seen = found.length === 0 ? 'none' : found.map((i) => `${i.major} in ${i.binDir}`).join(', ');
  throw new Error(
    `this image has no PostgreSQL ${spec.major} server (looked in ${spec.binDir} and on PATH=${process.env.PATH ?? ''}; found: ${seen}); ` +
      `spec.imageName must name an image with PostgreSQL ${spec.major}'s postgres, initdb, pg_ctl, pg_basebackup and pg_controldata`,
  );
}
