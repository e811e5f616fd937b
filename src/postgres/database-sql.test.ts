import { test } from 'node:test';
import assert from 'node:assert/strict';
import { databaseActionSql } from './database-sql.js';

test('CREATE DATABASE quotes every name and value from the manifest', () => {
  assert.equal(
    databaseActionSql({
      kind: 'createDatabase',
      database: 'my"db',
      options: { owner: 'app', template: 'template0', encoding: 'UTF8', localeCollate: "it's", allowConnections: true, connectionLimit: 10, isTemplate: false, tablespace: 'fast' },
    }),
    `CREATE DATABASE "my""db" WITH OWNER "app" TEMPLATE "template0" TABLESPACE "fast" ALLOW_CONNECTIONS true CONNECTION LIMIT 10 IS_TEMPLATE false ENCODING 'UTF8' LC_COLLATE 'it''s'`,
  );
});

test('each action is one statement', () => {
  const db = 'app';
  const cases: Array<[Parameters<typeof databaseActionSql>[0], string]> = [
    [{ kind: 'alterDatabase', database: db, setting: { field: 'owner', value: 'o"x' } }, 'ALTER DATABASE "app" OWNER TO "o""x"'],
    [{ kind: 'alterDatabase', database: db, setting: { field: 'connectionLimit', value: -1 } }, 'ALTER DATABASE "app" WITH CONNECTION LIMIT -1'],
    [{ kind: 'alterDatabase', database: db, setting: { field: 'allowConnections', value: false } }, 'ALTER DATABASE "app" WITH ALLOW_CONNECTIONS false'],
    [{ kind: 'alterDatabase', database: db, setting: { field: 'isTemplate', value: true } }, 'ALTER DATABASE "app" WITH IS_TEMPLATE true'],
    [{ kind: 'alterDatabase', database: db, setting: { field: 'tablespace', value: 'ts' } }, 'ALTER DATABASE "app" SET TABLESPACE "ts"'],
    [{ kind: 'dropDatabase', database: db }, 'DROP DATABASE IF EXISTS "app"'],
    [{ kind: 'createExtension', database: db, name: 'hstore', version: '1.4', schema: 's' }, `CREATE EXTENSION IF NOT EXISTS "hstore" SCHEMA "s" VERSION '1.4'`],
    [{ kind: 'createExtension', database: db, name: 'hstore' }, 'CREATE EXTENSION IF NOT EXISTS "hstore"'],
    [{ kind: 'updateExtension', database: db, name: 'hstore', version: "1.8'; DROP" }, `ALTER EXTENSION "hstore" UPDATE TO '1.8''; DROP'`],
    [{ kind: 'setExtensionSchema', database: db, name: 'hstore', schema: 'ext' }, 'ALTER EXTENSION "hstore" SET SCHEMA "ext"'],
    [{ kind: 'dropExtension', database: db, name: 'hstore' }, 'DROP EXTENSION IF EXISTS "hstore"'],
    [{ kind: 'createSchema', database: db, name: 'reports', owner: 'app' }, 'CREATE SCHEMA IF NOT EXISTS "reports" AUTHORIZATION "app"'],
    [{ kind: 'alterSchemaOwner', database: db, name: 'reports', owner: 'b' }, 'ALTER SCHEMA "reports" OWNER TO "b"'],
    [{ kind: 'dropSchema', database: db, name: 'reports' }, 'DROP SCHEMA IF EXISTS "reports"'],
  ];
  for (const [action, sql] of cases) assert.equal(databaseActionSql(action), sql);
});

test('no control character or non-integer reaches SQL', () => {
  assert.throws(() => databaseActionSql({ kind: 'dropDatabase', database: 'a\nb' }), /control character/);
  assert.throws(() => databaseActionSql({ kind: 'alterDatabase', database: 'a', setting: { field: 'connectionLimit', value: 1.5 } }), /not an integer/);
});
