// Tablespaces of data made elsewhere (a backup, an external cluster) brought into this instance's
// own folders, matched by name with spec.tablespaces: where each one's files go, and what its
// pg_tblspc link names. A tablespace this Cluster does not declare has nowhere to go: refused
// before anything is copied.
import { hasControlCharacter } from '../api/control-characters.js';
import type { Tablespace, TablespaceTarget } from '../objectstore/index.js';
import type { StorageLayout, TablespaceLayout } from './storage-layout.js';

function declared(layout: StorageLayout | undefined, name: string, what: string): TablespaceLayout {
  const t = layout?.tablespaces.find((x) => x.name === name);
  if (!t) {
    const have = layout?.tablespaces.length ? ` (it declares ${layout.tablespaces.map((x) => x.name).join(', ')})` : '';
    throw new Error(`${what} has tablespace "${name}", which this Cluster does not declare${have}: add it to spec.tablespaces (name: ${name}) so that it has storage here`);
  }
  return t;
}

/** Each tablespace of the backup into this instance's folder for it, linked through its location. */
export function restoreTargets(backupId: string, tablespaces: readonly Tablespace[] | undefined, layout: StorageLayout | undefined): TablespaceTarget[] {
  return (tablespaces ?? []).map((t) => {
    const mine = declared(layout, t.name, `backup ${backupId}`);
    return { oid: t.oid, directory: mine.directory, link: mine.location };
  });
}

export interface SourceTablespace {
  name: string;
  location: string;
}

/** The source's tablespaces as one JSON value, whatever characters their names hold. */
export const SOURCE_TABLESPACES_QUERY = `SELECT COALESCE(jsonb_agg(jsonb_build_object('name', spcname, 'location', pg_catalog.pg_tablespace_location(oid))), '[]')::text
  FROM pg_catalog.pg_tablespace WHERE spcname NOT IN ('pg_default', 'pg_global')`;

/** The query's one line of psql output (a warning the server sent may come before it). */
export function parseSourceTablespaces(output: string): SourceTablespace[] {
  const line = output.split('\n').reverse().find((l) => l.startsWith('[')) ?? output;
  const value: unknown = JSON.parse(line);
  if (!Array.isArray(value) || !value.every((t) => typeof (t as SourceTablespace)?.name === 'string' && typeof (t as SourceTablespace)?.location === 'string')) {
    throw new Error(`unexpected tablespace list from the source: ${output.slice(0, 200)}`);
  }
  return value as SourceTablespace[];
}

/** pg_basebackup's escaping of '=' inside a --tablespace-mapping side. */
const escapeMapping = (path: string) => path.replaceAll('=', '\\=');

/**
 * `--tablespace-mapping=OLD=NEW` for each tablespace of the source: copied into this instance's
 * folder for the tablespace of the same name. A location inside the source's PGDATA (relative:
 * an in-place tablespace) comes with PGDATA and needs none.
 */
export function tablespaceMappings(source: string, found: readonly SourceTablespace[], layout: StorageLayout | undefined): string[] {
  const args: string[] = [];
  for (const t of found) {
    if (hasControlCharacter(t.name) || hasControlCharacter(t.location)) {
      throw new Error(`the source ${source} reports a tablespace whose name or location holds a control character; refusing to copy it`);
    }
    if (!t.location.startsWith('/')) continue;
    const mine = declared(layout, t.name, `the source ${source}`);
    args.push(`--tablespace-mapping=${escapeMapping(t.location)}=${escapeMapping(mine.directory)}`);
  }
  return args;
}
