// Runs the user queries (the default set and the custom ones) and turns their results into
// families. A query that fails is reported and skipped; the others still produce their metrics.
import type { MonitoringQuery } from '../api/monitoring-queries.js';
import { FamilySet } from './family.js';
import type { MetricsConnections } from './connections.js';
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

function inRange(version: string, range: string | undefined): boolean {
  return range === undefined || versionInRange(version, range);
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
    for (const database of expandTargetDatabases(targets, connectable ?? [])) {
      try {
        const result = await conns.readOnly(database, query.query, query.predicateQuery);
        if (!result) continue;
        const problems = addQueryResults(families, query, result.fields, result.rows, (c) => {
          try {
            return inRange(server.version, c.pgVersion);
          } catch {
            return false;
          }
        });
        for (const p of problems) errors.push(`${query.key} on db ${database}: ${p}`);
      } catch (e) {
        errors.push(`${query.key} on db ${database}: ${(e as Error).message}`);
      }
    }
  }
  await conns.closeExcept(defaultDatabase);
  return { families, errors };
}
