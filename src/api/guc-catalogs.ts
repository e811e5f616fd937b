// The parameter catalogs committed per PostgreSQL major, generated from real servers by
// scripts/generate-guc-catalogs.mjs. They serve where no server can be asked: the Kubernetes
// webhook (the operator image has no PostgreSQL) and the client-side checks of the CLI.
import type { GucCatalog } from './guc-catalog.js';
import pg14 from './guc-catalogs/postgres-14.json' with { type: 'json' };
import pg15 from './guc-catalogs/postgres-15.json' with { type: 'json' };
import pg16 from './guc-catalogs/postgres-16.json' with { type: 'json' };
import pg17 from './guc-catalogs/postgres-17.json' with { type: 'json' };
import pg18 from './guc-catalogs/postgres-18.json' with { type: 'json' };

/** Newest first. */
export const COMMITTED_CATALOGS: readonly GucCatalog[] = Object.freeze([pg18, pg17, pg16, pg15, pg14] as GucCatalog[]);

/**
 * The catalog of `major`; every catalog, newest first, when the major is not known or has no
 * catalog here, so a parameter any supported major knows is accepted.
 */
export function committedCatalogs(major: number | undefined): readonly GucCatalog[] {
  const exact = COMMITTED_CATALOGS.find((catalog) => catalog.major === major);
  return exact ? [exact] : COMMITTED_CATALOGS;
}
