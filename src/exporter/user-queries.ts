// Runs the user queries (the default set and the custom ones) and turns their results into
// families. A query that fails is reported and skipped; the others still produce their metrics.
import type { MonitoringQuery, QueryColumn } from '../api/monitoring-queries.js';
import { FamilySet } from './family.js';
import type { MetricsConnections, QueryOutcome } from './connections.js';
import { addQueryResults } from './query-results.js';
import { expandTargetDatabases, isPattern } from './target-databases.js';
import { versionInRange } from './version-range.js';

export interface ServerFacts {
  isPrimary: boolean;
  /** `15.4` */
  version: string;
}

export interface UserQueryOutcome {
  families: FamilySet;
  /** One entry per failure, `<query>` or `<query> on db <database>` and the reason, as cnpg_errors_total labels them. */
  errors: string[];
}

/** A query over many databases opens a connection in each: a few at a time keeps a scrape short without a burst of backends. */
const DATABASES_IN_PARALLEL = 4;

type Settled<T> = { ok: true; value: T } | { ok: false; error: Error };

/** Runs `fn` over `items`, at most `limit` at a time; results in the order of `items`. */
async function inParallel<I, T>(items: I[], limit: number, fn: (item: I) => Promise<T>): Promise<Settled<T>[]> {
  const out: Settled<T>[] = new Array<Settled<T>>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = { ok: true, value: await fn(items[i]!) };
      } catch (e) {
        out[i] = { ok: false, error: e as Error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function inRange(version: string, range: string | undefined): boolean {
  return range === undefined || versionInRange(version, range);
}

/** The rows' samples, or what is wrong with them; a column whose pg_version does not cover the server is left out. */
function addRows(families: FamilySet, query: MonitoringQuery, result: QueryOutcome, version: string): string[] {
  const applies = (c: QueryColumn) => {
    try {
      return inRange(version, c.pgVersion);
    } catch {
      return false;
    }
  };
  try {
    return addQueryResults(families, query, result.fields, result.rows, applies);
  } catch (e) {
    return [(e as Error).message];
  }
}

export async function runUserQueries(conns: MetricsConnections, queries: MonitoringQuery[], server: ServerFacts, defaultDatabase: string): Promise<UserQueryOutcome> {
  const families = new FamilySet();
  const errors: string[] = [];
  let connectable: string[] | undefined;
  for (const query of queries) {
    if (query.primary && !server.isPrimary) continue;
    try {
      if (!inRange(server.version, query.runOnServer)) continue;
    } catch (e) {
      errors.push(`${query.key}: runonserver: ${(e as Error).message}`);
      continue;
    }
    const targets = query.targetDatabases ?? [defaultDatabase];
    if (connectable === undefined && targets.some(isPattern)) {
      try {
        connectable = await conns.connectable(defaultDatabase);
      } catch (e) {
        errors.push(`${query.key}: listing databases: ${(e as Error).message}`);
        continue;
      }
    }
    const databases = expandTargetDatabases(targets, connectable ?? []);
    const results = await inParallel(databases, DATABASES_IN_PARALLEL, (database) => conns.readOnly(database, query.query, query.predicateQuery));
    databases.forEach((database, i) => {
      const result = results[i]!;
      const problems = result.ok ? (result.value ? addRows(families, query, result.value, server.version) : []) : [result.error.message];
      for (const p of problems) errors.push(`${query.key} on db ${database}: ${p}`);
    });
  }
  await conns.closeExcept(defaultDatabase);
  return { families, errors };
}
