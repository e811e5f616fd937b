// The foreign data wrappers and foreign servers a Database object lists, planned against what the
// primary reports: pure, one action per statement. Only listed objects, options and grantees are
// touched, as CloudNativePG does; a server's wrapper cannot be changed once it exists.
import type { DatabaseSpec } from '../api/database.js';
import { granteeKey, type ForeignDataAction, type ForeignObject, type ObservedFdw, type ObservedServer, type OptionChange } from '../postgres/foreign-data-sql.js';

type OptionSpec = { name: string; value: string; ensure: 'present' | 'absent' };
type UsageSpec = { name: string; type: 'grant' | 'revoke' };
type FdwSpec = NonNullable<DatabaseSpec['fdws']>[number];
type ServerSpec = NonNullable<DatabaseSpec['servers']>[number];

/** The options a new object gets: the present ones. */
const initialOptions = (options: readonly OptionSpec[] | undefined): OptionChange[] =>
  (options ?? []).filter((o) => o.ensure === 'present').map((o) => ({ op: 'add', name: o.name, value: o.value }));

/** ADD what is missing, SET what differs, DROP what is present but wanted absent. */
export function optionChanges(options: readonly OptionSpec[] | undefined, observed: Record<string, string>): OptionChange[] {
  return (options ?? []).flatMap((o): OptionChange[] => {
    const current = Object.hasOwn(observed, o.name) ? observed[o.name] : undefined;
    if (o.ensure === 'absent') return current === undefined ? [] : [{ op: 'drop', name: o.name }];
    if (current === undefined) return [{ op: 'add', name: o.name, value: o.value }];
    return current === o.value ? [] : [{ op: 'set', name: o.name, value: o.value }];
  });
}

/** GRANT to a role without USAGE, REVOKE from one that has it; an object just created has none. */
function usageActions(database: string, object: ForeignObject, name: string, usage: readonly UsageSpec[] | undefined, holders: readonly string[]): ForeignDataAction[] {
  const held = new Set(holders.map(granteeKey));
  return (usage ?? []).flatMap((u): ForeignDataAction[] => {
    const has = held.has(granteeKey(u.name));
    if (u.type === 'grant' && !has) return [{ kind: 'grantUsage', database, object, name, role: u.name }];
    if (u.type === 'revoke' && has) return [{ kind: 'revokeUsage', database, object, name, role: u.name }];
    return [];
  });
}

const functionChange = (wanted: string | undefined, current: string) => (wanted !== undefined && wanted !== current ? wanted : undefined);

function fdwActions(database: string, fdw: FdwSpec, found: ObservedFdw | undefined): ForeignDataAction[] {
  const owner = (current: string | undefined): ForeignDataAction[] =>
    fdw.owner !== undefined && fdw.owner !== current ? [{ kind: 'alterFdwOwner', database, name: fdw.name, owner: fdw.owner }] : [];
  if (!found) {
    const create: ForeignDataAction = {
      kind: 'createFdw',
      database,
      name: fdw.name,
      ...(fdw.handler === undefined ? {} : { handler: fdw.handler }),
      ...(fdw.validator === undefined ? {} : { validator: fdw.validator }),
      options: initialOptions(fdw.options),
    };
    return [create, ...owner(undefined), ...usageActions(database, 'fdw', fdw.name, fdw.usage, [])];
  }
  const handler = functionChange(fdw.handler, found.handler);
  const validator = functionChange(fdw.validator, found.validator);
  const options = optionChanges(fdw.options, found.options);
  const alter: ForeignDataAction[] =
    handler !== undefined || validator !== undefined || options.length > 0
      ? [{ kind: 'alterFdw', database, name: fdw.name, ...(handler === undefined ? {} : { handler }), ...(validator === undefined ? {} : { validator }), options }]
      : [];
  return [...alter, ...owner(found.owner), ...usageActions(database, 'fdw', fdw.name, fdw.usage, found.usage)];
}

function serverActions(database: string, server: ServerSpec, found: ObservedServer | undefined): ForeignDataAction[] {
  if (server.ensure === 'absent') return found ? [{ kind: 'dropServer', database, name: server.name }] : [];
  if (!found) {
    return [{ kind: 'createServer', database, name: server.name, fdw: server.fdw, options: initialOptions(server.options) }, ...usageActions(database, 'server', server.name, server.usage, [])];
  }
  const options = optionChanges(server.options, found.options);
  return [...(options.length > 0 ? [{ kind: 'alterServer', database, name: server.name, options } as const] : []), ...usageActions(database, 'server', server.name, server.usage, found.usage)];
}

/**
 * Wrappers are made before the servers that use them and dropped after the servers that used
 * them are gone, so a spec dropping both converges in one pass. Nothing is dropped with CASCADE:
 * a server or user mapping the spec does not list keeps its wrapper, and the status says why.
 */
export function foreignDataActions(spec: DatabaseSpec, observed: { fdws?: Record<string, ObservedFdw>; servers?: Record<string, ObservedServer> }): ForeignDataAction[] {
  const database = spec.name;
  const fdws = spec.fdws ?? [];
  const kept = fdws.filter((f) => f.ensure === 'present').flatMap((f) => fdwActions(database, f, observed.fdws?.[f.name]));
  const servers = (spec.servers ?? []).flatMap((s) => serverActions(database, s, observed.servers?.[s.name]));
  const dropped = fdws.filter((f) => f.ensure === 'absent' && observed.fdws?.[f.name]).map((f): ForeignDataAction => ({ kind: 'dropFdw', database, name: f.name }));
  return [...kept, ...servers, ...dropped];
}
