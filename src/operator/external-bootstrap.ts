// Pure: the bootstrap an instance is handed when the Cluster copies (pg_basebackup) or imports
// (initdb.import) from an external cluster.
import type { Cluster } from '../api/index.js';
import type { ImportSpec } from '../instance/import.js';
import type { PgBasebackupBootstrap } from '../instance/spec.js';

export function pgBasebackupBootstrap(cluster: Cluster): PgBasebackupBootstrap | undefined {
  const b = cluster.spec.bootstrap?.pg_basebackup;
  if (!b) return undefined;
  return { kind: 'pg_basebackup', source: b.source, database: b.database, owner: b.owner ?? b.database };
}

export function importSpec(cluster: Cluster): ImportSpec | undefined {
  const i = cluster.spec.bootstrap?.initdb?.import;
  if (!i) return undefined;
  return {
    source: i.source.externalCluster,
    type: i.type,
    databases: i.databases,
    roles: i.roles ?? [],
    postImportApplicationSQL: i.postImportApplicationSQL ?? [],
    schemaOnly: i.schemaOnly ?? false,
    pgDumpExtraOptions: i.pgDumpExtraOptions ?? [],
    pgRestoreExtraOptions: i.pgRestoreExtraOptions ?? [],
    pgRestorePredataOptions: i.pgRestorePredataOptions ?? [],
    pgRestoreDataOptions: i.pgRestoreDataOptions ?? [],
    pgRestorePostdataOptions: i.pgRestorePostdataOptions ?? [],
  };
}

/** How the first primary gets its data, for the event that announces it. */
export function externalBootstrapDescription(cluster: Cluster): string | undefined {
  const b = cluster.spec.bootstrap;
  if (b?.pg_basebackup) return `pg_basebackup from external cluster ${b.pg_basebackup.source}`;
  if (b?.initdb?.import) return `initdb, then a ${b.initdb.import.type} import from external cluster ${b.initdb.import.source.externalCluster}`;
  return undefined;
}
