// spec.postgresql.extensions locally, with a real PostgreSQL 18 (fetched as the Cluster's version
// asks): a folder laid out as an extension image, its control file found through
// extension_control_path and its library through dynamic_library_path; ALTER SYSTEM refused by the
// server's own setting.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { obtainPostgres } from '../src/postgres/distributions.js';
import { pkglibdir } from '../src/postgres/library-files.js';
import { TestEnv } from './support/env.js';
import { manifest } from './support/manifests.js';
import { sql, waitReady } from './support/backup.js';

const env = new TestEnv();
const CLUSTER = 'folder';
const VERSION = '18.6';
// Readable by the cluster's own operating-system user, as a user's folder must be.
const folder = mkdtempSync(join(tmpdir(), 'extensions-folder-'));

before(async () => {
  const build = await obtainPostgres({ major: 18, minor: 6 });
  mkdirSync(join(folder, 'share', 'extension'), { recursive: true });
  mkdirSync(join(folder, 'lib'));
  writeFileSync(join(folder, 'share', 'extension', 'demo.control'), "default_version = '1.0'\nrelocatable = true\ncomment = 'a folder extension'\n");
  writeFileSync(join(folder, 'share', 'extension', 'demo--1.0.sql'), "CREATE FUNCTION demo_answer() RETURNS int LANGUAGE sql AS 'SELECT 42';\n");
  // A library only this folder has: the build's auto_explain under another name.
  copyFileSync(join(pkglibdir(build.binDir), 'auto_explain.so'), join(folder, 'lib', 'demo_explain.so'));
  chmodSync(folder, 0o755);
  await env.ok(
    ['apply', '-f', '-'],
    manifest('cluster.yaml', {
      name: CLUSTER,
      spec: {
        instances: 1,
        imageName: `ghcr.io/cloudnative-pg/postgresql:${VERSION}`,
        postgresql: { shared_preload_libraries: ['demo_explain'], extensions: [{ name: 'demo', image: { reference: folder } }] },
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

test('ALTER SYSTEM on 18: refused by allow_alter_system', { timeout: 30_000 }, async () => {
  const pod = `${CLUSTER}-1`;
  assert.equal(await sql(env, pod, 'SHOW allow_alter_system', 'postgres'), 'off');
  await assert.rejects(sql(env, pod, "ALTER SYSTEM SET work_mem = '8MB'", 'postgres'), /ALTER SYSTEM is not allowed in this environment/);
});
