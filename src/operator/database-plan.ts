// Decisions for one Database object, pure: where it stands (finalizer, deletion, which primary, a
// rival object managing the same database), which SQL actions bring the primary's database to
// the spec, and the status the results of those actions make.
import type { Database, DatabaseObjectStatus, DatabaseStatus } from '../api/database.js';
import type { KubeObject } from '../api/meta.js';
import { actionObject, isDatabaseLevel, type CreateDatabaseOptions, type DatabaseAction, type DatabaseSetting, type ObjectList, type ObservedDatabase } from '../postgres/database-sql.js';
import type { ActionResult } from '../instance/database-requests.js';
import { foreignDataActions } from './foreign-data-plan.js';

/** Held while the database may still have to be dropped, as CloudNativePG's `cnpg.io/deleteDatabase`. */
export const DATABASE_FINALIZER = 'cnpg.io/deleteDatabase';

export type StoredDatabase = Database & KubeObject & { status?: DatabaseStatus };

/** What the controller saw of the Cluster the Database names. */
export interface ClusterView {
  exists: boolean;
  deleting: boolean;
  currentPrimary?: string;
  targetPrimary?: string;
  /** A replica cluster gets its databases from its source. */
  replica: boolean;
}

export type DatabaseStep =
  /** Put the finalizer on before anything is created, so a deletion is seen in time. */
  | { kind: 'addFinalizer' }
  /** The object is being deleted: drop the database first when `drop`, then let the object go. */
  | { kind: 'finalize'; drop?: { primary: string } }
  /** Nothing to do now; record this status and look again later. */
  | { kind: 'wait'; status: DatabaseStatus }
  /** Observe and apply on this primary. */
  | { kind: 'reconcile'; primary: string };

const byAge = (a: KubeObject, b: KubeObject) =>
  (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || a.metadata.name.localeCompare(b.metadata.name);

/** The older Database object of the same cluster managing the same database, which keeps it. */
export function olderManager(database: StoredDatabase, others: readonly StoredDatabase[]): StoredDatabase | undefined {
  return others
    .filter((o) => o.metadata.name !== database.metadata.name && !o.metadata.deletionTimestamp)
    .filter((o) => o.spec.cluster.name === database.spec.cluster.name && o.spec.name === database.spec.name)
    .filter((o) => byAge(o, database) < 0)
    .sort(byAge)[0];
}

/** The one primary to act on: none while a switchover or failover is under way. */
function primaryOf(cluster: ClusterView): string | undefined {
  return cluster.currentPrimary && cluster.currentPrimary === cluster.targetPrimary ? cluster.currentPrimary : undefined;
}

function waiting(database: StoredDatabase, message: string, applied?: boolean): DatabaseStep {
  const previous = database.status ?? {};
  return { kind: 'wait', status: { ...previous, ...(applied === undefined ? {} : { applied }), message, observedGeneration: database.metadata.generation ?? 1 } };
}

export function databaseStep(database: StoredDatabase, cluster: ClusterView, others: readonly StoredDatabase[]): DatabaseStep {
  const rival = olderManager(database, others);
  const hasFinalizer = (database.metadata.finalizers ?? []).includes(DATABASE_FINALIZER);
  if (database.metadata.deletionTimestamp) {
    // Only a database this object created or kept is dropped: never one another object manages,
    // never one of a cluster that is going away with its data anyway.
    const wanted = hasFinalizer && database.spec.databaseReclaimPolicy === 'delete' && database.status?.applied !== undefined && !rival;
    const primary = primaryOf(cluster);
    if (!wanted || !cluster.exists || cluster.deleting || cluster.replica) return { kind: 'finalize' };
    if (!primary) return waiting(database, 'waiting for the primary to drop the database');
    return { kind: 'finalize', drop: { primary } };
  }
  if (!hasFinalizer) return { kind: 'addFinalizer' };
  if (!cluster.exists) return waiting(database, `cluster ${JSON.stringify(database.spec.cluster.name)} not found`, false);
  if (rival) return waiting(database, `database ${JSON.stringify(database.spec.name)} is already managed by Database ${JSON.stringify(rival.metadata.name)}`, false);
  if (cluster.replica) return waiting(database, 'the cluster is a replica cluster: its databases come from its source');
  const primary = primaryOf(cluster);
  if (!primary) return waiting(database, 'waiting for the cluster to have a primary');
  return { kind: 'reconcile', primary };
}

function createOptions(spec: Database['spec']): CreateDatabaseOptions {
  const { owner, template, encoding, locale, localeProvider, localeCollate, localeCType, icuLocale, icuRules, builtinLocale, collationVersion, isTemplate, allowConnections, connectionLimit, tablespace } = spec;
  const options = { owner, template, encoding, locale, localeProvider, localeCollate, localeCType, icuLocale, icuRules, builtinLocale, collationVersion, isTemplate, allowConnections, connectionLimit, tablespace };
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as unknown as CreateDatabaseOptions;
}

/** ALTER DATABASE for each setting the spec gives that the database does not have. */
function settingChanges(spec: Database['spec'], observed: ObservedDatabase): DatabaseSetting[] {
  const wanted: DatabaseSetting[] = [
    { field: 'owner', value: spec.owner },
    ...(spec.allowConnections === undefined ? [] : [{ field: 'allowConnections', value: spec.allowConnections } as const]),
    ...(spec.connectionLimit === undefined ? [] : [{ field: 'connectionLimit', value: spec.connectionLimit } as const]),
    ...(spec.isTemplate === undefined ? [] : [{ field: 'isTemplate', value: spec.isTemplate } as const]),
    ...(spec.tablespace === undefined ? [] : [{ field: 'tablespace', value: spec.tablespace } as const]),
  ];
  return wanted.filter((s) => observed[s.field] !== s.value);
}

function schemaActions(spec: Database['spec'], observed: ObservedDatabase): DatabaseAction[] {
  const database = spec.name;
  return (spec.schemas ?? []).flatMap((s): DatabaseAction[] => {
    const found = observed.schemas?.[s.name];
    if (s.ensure === 'absent') return found ? [{ kind: 'dropSchema', database, name: s.name }] : [];
    if (!found) return [{ kind: 'createSchema', database, name: s.name, ...(s.owner === undefined ? {} : { owner: s.owner }) }];
    return s.owner !== undefined && s.owner !== found.owner ? [{ kind: 'alterSchemaOwner', database, name: s.name, owner: s.owner }] : [];
  });
}

function extensionActions(spec: Database['spec'], observed: ObservedDatabase): DatabaseAction[] {
  const database = spec.name;
  return (spec.extensions ?? []).flatMap((e): DatabaseAction[] => {
    const found = observed.extensions?.[e.name];
    if (e.ensure === 'absent') return found ? [{ kind: 'dropExtension', database, name: e.name }] : [];
    if (!found) return [{ kind: 'createExtension', database, name: e.name, ...(e.version === undefined ? {} : { version: e.version }), ...(e.schema === undefined ? {} : { schema: e.schema }) }];
    return [
      ...(e.schema !== undefined && e.schema !== found.schema ? [{ kind: 'setExtensionSchema', database, name: e.name, schema: e.schema } as const] : []),
      ...(e.version !== undefined && e.version !== found.version ? [{ kind: 'updateExtension', database, name: e.name, version: e.version } as const] : []),
    ];
  });
}

/**
 * The actions that bring the database to the spec. A database that does not exist yet is created
 * alone: what is inside it is planned once it can be observed. Schemas come before extensions,
 * which may be installed into them; extensions before foreign data wrappers, which one may bring.
 */
export function planDatabase(spec: Database['spec'], observed: ObservedDatabase): DatabaseAction[] {
  if (spec.ensure === 'absent') return observed.exists ? [{ kind: 'dropDatabase', database: spec.name }] : [];
  if (!observed.exists) return [{ kind: 'createDatabase', database: spec.name, options: createOptions(spec) }];
  const alters = settingChanges(spec, observed).map((setting): DatabaseAction => ({ kind: 'alterDatabase', database: spec.name, setting }));
  return [...alters, ...schemaActions(spec, observed), ...extensionActions(spec, observed), ...foreignDataActions(spec, observed)];
}

export const isCreate = (action: DatabaseAction): boolean => action.kind === 'createDatabase';

/** The names whose state the planner needs from inside the database. */
export function observeRequest(spec: Database['spec']): { database: string; extensions: string[]; schemas: string[]; fdws: string[]; servers: string[] } {
  const names = (list: readonly { name: string }[] | undefined) => (list ?? []).map((o) => o.name);
  return { database: spec.name, extensions: names(spec.extensions), schemas: names(spec.schemas), fdws: names(spec.fdws), servers: names(spec.servers) };
}

/** A generation's status from the actions run and their results (actions[i] gave results[i]). */
export function databaseStatus(database: StoredDatabase, observed: ObservedDatabase, actions: readonly DatabaseAction[], results: readonly ActionResult[]): DatabaseStatus {
  const spec = database.spec;
  const failures = actions.map((action, i) => ({ action, result: results[i] ?? { ok: false as const, error: 'no result' } })).filter((r) => !r.result.ok);
  const databaseFailure = failures.find((f) => isDatabaseLevel(f.action));
  const generation = database.metadata.generation ?? 1;
  if (databaseFailure) return { observedGeneration: generation, applied: false, message: (databaseFailure.result as { error: string }).error };
  if (spec.ensure === 'absent') return { observedGeneration: generation, applied: true, message: '' };
  // Objects of a database that refuses connections (allowConnections: false) cannot be read or made.
  const unreadable = observed.exists && observed.extensions === undefined && observed.schemas === undefined;
  const objectStatus = (list: ObjectList, name: string): DatabaseObjectStatus => {
    if (unreadable) return { name, applied: false, message: 'the database does not accept connections' };
    const failed = failures.find((f) => { const o = actionObject(f.action); return o?.list === list && o.name === name; });
    return failed ? { name, applied: false, message: (failed.result as { error: string }).error } : { name, applied: true };
  };
  const schemas = (spec.schemas ?? []).map((s) => objectStatus('schemas', s.name));
  const extensions = (spec.extensions ?? []).map((e) => objectStatus('extensions', e.name));
  const fdws = (spec.fdws ?? []).map((f) => objectStatus('fdws', f.name));
  const servers = (spec.servers ?? []).map((s) => objectStatus('servers', s.name));
  const applied = [...schemas, ...extensions, ...fdws, ...servers].every((o) => o.applied);
  return {
    observedGeneration: generation,
    applied,
    message: applied ? '' : 'database object reconciliation failed',
    ...(schemas.length > 0 ? { schemas } : {}),
    ...(extensions.length > 0 ? { extensions } : {}),
    ...(fdws.length > 0 ? { fdws } : {}),
    ...(servers.length > 0 ? { servers } : {}),
  };
}
