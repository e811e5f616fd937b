// The local platform's PostgreSQL builds for the controller: resolved and fetched in the
// background (src/postgres/distributions.ts), so a first fetch never holds up a reconcile.
import { setTimeout as sleep } from 'node:timers/promises';
import { wantedLabel, type WantedVersion } from '../../postgres/build-choice.js';
import { obtainPostgres, type ObtainedBuild } from '../../postgres/distributions.js';
import type { PostgresBuildState } from '../../operator/types.js';

/** Resolving a build that is here takes milliseconds: the reconcile waits that long rather than requeueing. */
const QUICK_MS = 100;
/** A failure (offline) is tried again after this long, not at every reconcile. */
const RETRY_MS = 30_000;

type Entry = { promise: Promise<ObtainedBuild>; build?: ObtainedBuild; error?: string; at: number };

export class PostgresBuilds {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly obtain: (w: WantedVersion) => Promise<ObtainedBuild> = (w) => obtainPostgres(w)) {}

  async state(wanted: WantedVersion): Promise<PostgresBuildState> {
    const requested = wantedLabel(wanted);
    let entry = this.entries.get(requested);
    if (!entry || (entry.error !== undefined && Date.now() - entry.at > RETRY_MS)) {
      const fresh: Entry = { promise: this.obtain(wanted), at: Date.now() };
      fresh.promise.then(
        (b) => (fresh.build = b),
        (e: Error) => {
          fresh.error = e.message;
          fresh.at = Date.now();
        },
      );
      this.entries.set(requested, fresh);
      entry = fresh;
      await Promise.race([fresh.promise.catch(() => undefined), sleep(QUICK_MS)]);
    }
    if (entry.build) {
      const { version, note, fetched } = entry.build;
      return { state: 'ready', requested, version, ...(note ? { note } : {}), ...(fetched ? { fetched } : {}) };
    }
    if (entry.error !== undefined) return { state: 'failed', requested, message: entry.error };
    return { state: 'fetching', requested };
  }
}
