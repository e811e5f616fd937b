#!/usr/bin/env node
// Regenerates src/api/guc-catalogs/postgres-<major>.json from real servers' own description of
// their parameters (postgres --describe-config and one refused probe per numeric/enum parameter).
//
//   npm run build && node scripts/generate-guc-catalogs.mjs [BIN_DIR…]
//
// Without arguments it describes the servers installed here (PATH, /usr/lib/postgresql/*/bin).
// scripts/fetch-postgres-binaries.sh fetches other majors' binaries; pass their bin folders.
// Run as root, the servers run as the operating-system user "postgres" (they refuse root).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeServer } from '../dist/src/postgres/describe-server.js';
import { findInstallations } from '../dist/src/postgres/binaries.js';
import { lookupUser, isRoot } from '../dist/src/platform/local/home.js';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const binDirs = process.argv.slice(2).length > 0 ? process.argv.slice(2) : findInstallations().map((i) => i.binDir);
const runAs = isRoot() ? lookupUser('postgres') : undefined;
if (isRoot() && !runAs) throw new Error('running as root needs an operating-system user "postgres" to run the servers');

for (const binDir of binDirs) {
  const catalog = await describeServer(binDir, runAs && { uid: runAs.uid, gid: runAs.gid }, []);
  const file = join(root, 'src', 'api', 'guc-catalogs', `postgres-${catalog.major}.json`);
  writeFileSync(file, JSON.stringify(catalog, null, 1) + '\n');
  console.log(`${file}: PostgreSQL ${catalog.version}, ${Object.keys(catalog.parameters).length} parameters`);
}
