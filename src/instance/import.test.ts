import { test } from 'node:test';
import assert from 'node:assert/strict';
import { microserviceRestoreArguments, monolithRestoreArguments, pgDumpArguments, restoreOptions, sections, type ImportSpec } from './import.js';
import { importedRoleStatements, ROLES_QUERY, type SourceRole } from './import-roles.js';

const spec: ImportSpec = {
  source: 'old',
  type: 'microservice',
  databases: ['shop'],
  roles: [],
  postImportApplicationSQL: [],
  schemaOnly: false,
  pgDumpExtraOptions: ['--exclude-table=audit log', '--jobs=2'],
  pgRestoreExtraOptions: ['--no-comments'],
  pgRestorePredataOptions: [],
  pgRestoreDataOptions: ['--jobs=4'],
  pgRestorePostdataOptions: [],
};
const socket = { socketDir: '/run/x', port: 5432 };

test('schemaOnly dumps and restores the schema sections only', () => {
  assert.deepEqual(sections(spec), ['pre-data', 'data', 'post-data']);
  assert.deepEqual(sections({ schemaOnly: true }), ['pre-data', 'post-data']);
});

test("pg_dump: directory format into the operator's folder, the user's options as single arguments", () => {
  assert.deepEqual(pgDumpArguments(spec, "host=h dbname=shop", '/i/import/73'), [
    '-Fd', '-f', '/i/import/73', '-d', 'host=h dbname=shop', '-v', '--section=pre-data', '--section=data', '--section=post-data', '--exclude-table=audit log', '--jobs=2',
  ]);
});

test("a section's own pg_restore options replace pgRestoreExtraOptions for that section", () => {
  assert.deepEqual(restoreOptions(spec, 'pre-data'), ['--no-comments']);
  assert.deepEqual(restoreOptions(spec, 'data'), ['--jobs=4']);
});

test('microservice restores into the application database as its owner; monolith keeps names and creates what is missing', () => {
  assert.deepEqual(microserviceRestoreArguments(spec, socket, 'data', 'app', 'app', '/d'), [
    '--jobs=4', '-h', '/run/x', '-p', '5432', '-U', 'postgres', '--no-owner', '--no-privileges', '--role=app', '-d', 'app', '--section', 'data', '/d',
  ]);
  assert.deepEqual(monolithRestoreArguments(spec, socket, 'pre-data', 'shop', false, '/d'), ['--create', '--no-comments', '-h', '/run/x', '-p', '5432', '-U', 'postgres', '-d', 'postgres', '--section', 'pre-data', '/d']);
  assert.deepEqual(monolithRestoreArguments(spec, socket, 'post-data', 'shop', true, '/d'), ['--no-comments', '-h', '/run/x', '-p', '5432', '-U', 'postgres', '-d', 'shop', '--section', 'post-data', '/d']);
});

const role = (rolname: string, extra: Partial<SourceRole> = {}): SourceRole => ({
  rolname, rolsuper: false, rolinherit: true, rolcreaterole: false, rolcreatedb: false, rolcanlogin: true, rolreplication: false, rolbypassrls: false,
  rolconnlimit: -1, rolvaliduntil: null, rolpassword: null, comment: null, ...extra,
});

test("monolith roles: the listed ones (or all) but never the operator's own or ones already here, then their memberships", () => {
  const roles = [role('streaming_replica'), role('app'), role("o'brien", { rolpassword: 'SCRAM-SHA-256$x', comment: 'ops' }), role('readers', { rolcanlogin: false })];
  const memberships = [{ role: 'readers', member: "o'brien", admin: false }, { role: 'readers', member: 'app', admin: true }, { role: 'readers', member: 'gone', admin: false }];
  assert.deepEqual(importedRoleStatements(['*'], roles, memberships, new Set(['postgres', 'app'])), [
    `CREATE ROLE "o'brien" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT -1 PASSWORD 'SCRAM-SHA-256$x'`,
    `COMMENT ON ROLE "o'brien" IS 'ops'`,
    'CREATE ROLE "readers" WITH NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT -1',
    `GRANT "readers" TO "o'brien"`,
    'GRANT "readers" TO "app" WITH ADMIN OPTION',
  ]);
  assert.deepEqual(importedRoleStatements(['readers'], roles, memberships, new Set()), [
    'CREATE ROLE "readers" WITH NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT -1',
  ]);
});

test('password hashes come from pg_authid only where the source lets us read it', () => {
  assert.match(ROLES_QUERY(true), /FROM pg_catalog\.pg_authid/);
  assert.match(ROLES_QUERY(false), /NULL::text AS rolpassword[\s\S]*FROM pg_catalog\.pg_roles/);
});
