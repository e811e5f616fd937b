// Which files of a database folder a base backup leaves out, by PostgreSQL's own rule (basebackup.c):
// every fork of an unlogged relation except its init fork, and temporary relations. Recovery
// rebuilds both: it removes what is not an init fork of an unlogged relation and copies the init
// fork over the main fork, so an unlogged table comes back empty, as after a crash.

export type Fork = 'main' | 'fsm' | 'vm' | 'init';

const FORKS: ReadonlySet<string> = new Set(['fsm', 'vm', 'init']);
const MAX_RELFILENUMBER = 0xffffffff;

/** A positive number of at most 32 bits, without a leading zero (PostgreSQL 17's reading, stricter than older ones only for names no relation has). */
function relationNumber(s: string): boolean {
  return /^[1-9][0-9]*$/.test(s) && Number(s) <= MAX_RELFILENUMBER;
}

/** `<relfilenode>[_<fork>][.<segment>]`, as PostgreSQL names a permanent or unlogged relation's files. */
export function parseRelationFile(name: string): { relNumber: string; fork: Fork } | undefined {
  const m = /^([0-9]+)(?:_([a-z]+))?(?:\.([0-9]+))?$/.exec(name);
  if (!m) return undefined;
  const [, relNumber = '', fork, segment] = m;
  if (!relationNumber(relNumber)) return undefined;
  if (fork !== undefined && !FORKS.has(fork)) return undefined;
  if (segment !== undefined && !relationNumber(segment)) return undefined;
  return { relNumber, fork: (fork ?? 'main') as Fork };
}

/** `t<backend>_<relfilenode>[_<fork>][.<segment>]`: a temporary relation's file. */
export function isTemporaryRelationFile(name: string): boolean {
  const m = /^t[0-9]+_[0-9]+(?:_([a-z]+))?(?:\.[0-9]+)?$/.exec(name);
  return m !== null && (m[1] === undefined || FORKS.has(m[1]));
}

/** A folder named by a database's oid directly below base/ or a tablespace's PG_<major>_<catversion>/ holds relations. */
export function isDatabaseFolder(parent: string, name: string, parentIsTopLevel: boolean): boolean {
  if (!/^[0-9]+$/.test(name)) return false;
  return (parentIsTopLevel && parent === 'base') || /^PG_[0-9]+_[0-9]+$/.test(parent);
}

/** In a database folder whose entries are `siblings`: whether the file `name` stays out of a base backup. */
export function leftOutOfDatabaseFolder(name: string, siblings: ReadonlySet<string>): boolean {
  const relation = parseRelationFile(name);
  if (relation && relation.fork !== 'init' && siblings.has(`${relation.relNumber}_init`)) return true;
  return isTemporaryRelationFile(name);
}
