// Turns a former primary into a standby of the new one: pg_rewind when the histories allow it.
import { join } from 'node:path';
import { REPLICATION_USER } from '../postgres/hba.js';
import { conninfo } from '../postgres/sql.js';
import { allowAutoConfWrites } from './alter-system.js';
import { CommandError, runTool } from './run.js';
import type { PrimaryEndpoint } from './spec.js';

export type RewindOutcome = 'rewound' | 'retry-later' | 'needs-reclone';

// The new primary not reachable yet, or not yet checkpointed on its new timeline: try again soon.
const TRANSIENT = [/could not connect/i, /connection to server/i, /same timeline/i, /the database system is (starting up|in recovery)/i];

/** Run from PGDATA: local tablespace locations resolve through the working folder (platform/local/storage-places.ts). */
export async function rewindFromPrimary(binDir: string, pgdata: string, primary: PrimaryEndpoint, passfile: string): Promise<{ outcome: RewindOutcome; output: string }> {
  const source = conninfo({ host: primary.host, port: primary.port, user: REPLICATION_USER, dbname: 'postgres', passfile, connect_timeout: 5 });
  // pg_rewind copies the new primary's postgresql.auto.conf over this one, which may be read-only.
  allowAutoConfWrites(pgdata);
  try {
    const output = await runTool(join(binDir, 'pg_rewind'), ['--target-pgdata', pgdata, '--source-server', source, '--progress'], { ...process.env, LC_ALL: 'C' }, pgdata);
    return { outcome: 'rewound', output };
  } catch (e) {
    const output = e instanceof CommandError ? e.output : (e as Error).message;
    return { outcome: TRANSIENT.some((re) => re.test(output)) ? 'retry-later' : 'needs-reclone', output };
  }
}
