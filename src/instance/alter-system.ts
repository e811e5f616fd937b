// ALTER SYSTEM writes postgresql.auto.conf. PostgreSQL 17 has allow_alter_system for refusing it
// (postgres/libraries.ts); on older servers the reference keeps the file read-only instead:
// ALTER SYSTEM replaces it by a rename that first opens the old file for writing, which a
// read-only mode makes fail for the (unprivileged) server.
import { chmodSync, existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const autoConf = (pgdata: string): string => join(pgdata, 'postgresql.auto.conf');

/** The mode the file should have, or undefined where the server's own setting decides. */
export function autoConfMode(major: number, enableAlterSystem: boolean): number | undefined {
  if (major >= 17) return undefined;
  return enableAlterSystem ? 0o600 : 0o400;
}

/** Gives postgresql.auto.conf the mode enableAlterSystem asks for; returns whether it changed. */
export function protectAutoConf(pgdata: string, major: number, enableAlterSystem: boolean): boolean {
  const path = autoConf(pgdata);
  const wanted = autoConfMode(major, enableAlterSystem) ?? 0o600;
  if (!existsSync(path) || (statSync(path).mode & 0o777) === wanted) return false;
  chmodSync(path, wanted);
  return true;
}

/** Before a tool that rewrites the data directory's files (pg_rewind): the next configuration write protects it again. */
export function allowAutoConfWrites(pgdata: string): void {
  if (existsSync(autoConf(pgdata))) chmodSync(autoConf(pgdata), 0o600);
}

/** Replaces the file whatever its mode: a copied or restored one may be read-only. */
export function replaceAutoConf(pgdata: string, content: string): void {
  rmSync(autoConf(pgdata), { force: true });
  writeFileSync(autoConf(pgdata), content, { mode: 0o600 });
}
