// spec.postgresql.extensions locally, with a real PostgreSQL 18 (fetched as the Cluster's version
// asks): a folder laid out as an extension image, given by an ImageCatalog entry the Cluster's own
// entry is merged over; its control file found through extension_control_path, its library through
// dynamic_library_path, its ld_library_path, bin_path and env in the postmaster's environment;
// ALTER SYSTEM refused by the server's own setting.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { obtainPostgres } from '../src/postgres/distributions.js';
import { pkglibdir } from '../src/postgres/library-files.js';
import { TestEnv } from './support/env.js';
import { stringify } from 'yaml';
import { manifest } from './support/manifests.js';
import { sql, waitReady } from './support/backup.js';

const env = new TestEnv();
const CLUSTER = 'folder';
const CATALOG = 'folder-catalog';
const VERSION = '18.6';
// Readable by the cluster's own operating-system user, as a user's folder must be.
const folder = mkdtempSync(join(tmpdir(), 'extensions-folder-'));

before(async () => {
  const build = await obtainPostgres({ major: 18, minor: 6 });
  mkdirSync(join(folder, 'share', 'extension'), { recursive: true });
  mkdirSync(join(folder, 'lib'));
  mkdirSync(join(folder, 'bin'));
  mkdirSync(join(folder, 'system'));
  writeFileSync(join(folder, 'share', 'extension', 'demo.control'), "default_version = '1.0'\nrelocatable = true\ncomment = 'a folder extension'\n");
  writeFileSync(join(folder, 'share', 'extension', 'demo--1.0.sql'), "CREATE FUNCTION demo_answer() RETURNS int LANGUAGE sql AS 'SELECT 42';\n");
  // A library only this folder has: the build's auto_explain under another name.
  copyFileSync(join(pkglibdir(build.binDir), 'auto_explain.so'), join(folder, 'lib', 'demo_explain.so'));
  chmodSync(folder, 0o755);
  // The catalog gives the folder, bin_path and a variable; the Cluster's entry adds library paths
  // and its own env, which replaces the catalog's as a whole (CloudNativePG's rule).
  const catalogExtension = { name: 'demo', image: { reference: folder }, bin_path: ['bin'], env: [{ name: 'DEMO_FROM_CATALOG', value: 'x' }] };
  const catalog = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'ImageCatalog', metadata: { name: CATALOG, namespace: 'default' }, spec: { images: [{ major: 18, image: `ghcr.io/cloudnative-pg/postgresql:${VERSION}`, extensions: [catalogExtension] }] } };
  await env.ok(['apply', '-f', '-'], stringify(catalog));
  const ownExtension = { name: 'demo', ld_library_path: ['lib', '/system'], env: [{ name: 'DEMO_HOME', value: '${image_root}/share' }, { name: 'DEMO_LITERAL', value: '$${image_root}' }] };
  await env.ok(
    ['apply', '-f', '-'],
    manifest('cluster.yaml', {
      name: CLUSTER,
      spec: {
        instances: 1,
        imageCatalogRef: { apiGroup: 'postgresql.cnpg.io', kind: 'ImageCatalog', name: CATALOG, major: 18 },
        postgresql: { shared_preload_libraries: ['demo_explain'], extensions: [ownExtension] },
        bootstrap: { initdb: { postInitApplicationSQL: ['CREATE EXTENSION demo'] } },
      },
    }),
    180_000,
  );
  await waitReady(env, CLUSTER);
});

after(async () => {
  await env.cleanup();
  rmSync(folder, { recursive: true, force: true });
});

test("an extension from a folder: CREATE EXTENSION finds its control file, the server preloads its library", { timeout: 60_000 }, async () => {
  const pod = `${CLUSTER}-1`;
  assert.equal(await sql(env, pod, 'SHOW extension_control_path', 'postgres'), `$system:${folder}/share`);
  assert.equal(await sql(env, pod, 'SHOW dynamic_library_path', 'postgres'), `$libdir:${folder}/lib`);
  assert.equal(await sql(env, pod, 'SELECT demo_answer()'), '42');
  assert.equal(await sql(env, pod, 'SHOW auto_explain.log_min_duration', 'postgres'), '-1', 'the preloaded copy defines its parameters');
});

test("the extension's ld_library_path, bin_path and env reach the postmaster's environment", { timeout: 30_000 }, async () => {
  const pod = `${CLUSTER}-1`;
  const pid = (await sql(env, pod, "SELECT split_part(pg_read_file('postmaster.pid'), E'\\n', 1)", 'postgres')).trim();
  const environ = Object.fromEntries(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  assert.equal(environ['DEMO_HOME'], `${folder}/share`);
  assert.equal(environ['DEMO_LITERAL'], '${image_root}');
  assert.equal(environ['DEMO_FROM_CATALOG'], undefined, "the Cluster's env replaces the catalog's");
  assert.ok(environ['LD_LIBRARY_PATH']?.endsWith(`${folder}/lib:${folder}/system`), environ['LD_LIBRARY_PATH']);
  assert.ok(environ['PATH']?.endsWith(`:${folder}/bin`), `from the catalog entry: ${environ['PATH']}`);
});

test('ALTER SYSTEM on 18: refused by allow_alter_system', { timeout: 30_000 }, async () => {
  const pod = `${CLUSTER}-1`;
  assert.equal(await sql(env, pod, 'SHOW allow_alter_system', 'postgres'), 'off');
  await assert.rejects(sql(env, pod, "ALTER SYSTEM SET work_mem = '8MB'", 'postgres'), /ALTER SYSTEM is not allowed in this environment/);
});
