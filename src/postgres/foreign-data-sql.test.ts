import { test } from 'node:test';
import assert from 'node:assert/strict';
import { databaseActionSql } from './database-sql.js';
import type { ForeignDataAction } from './foreign-data-sql.js';

test('wrappers, servers and their grants: one statement each, every name and value quoted', () => {
  const db = 'app';
  const cases: Array<[ForeignDataAction, string]> = [
    [{ kind: 'createFdw', database: db, name: 'postgres_fdw', options: [] }, 'CREATE FOREIGN DATA WRAPPER "postgres_fdw"'],
    [
      { kind: 'createFdw', database: db, name: 'w', handler: 'h', validator: '-', options: [{ op: 'add', name: 'debug', value: "it's" }] },
      `CREATE FOREIGN DATA WRAPPER "w" HANDLER "h" NO VALIDATOR OPTIONS ("debug" 'it''s')`,
    ],
    [
      { kind: 'alterFdw', database: db, name: 'w', handler: '-', options: [{ op: 'set', name: 'a', value: '1' }, { op: 'drop', name: 'b"' }, { op: 'add', name: 'c', value: 'x\\y' }] },
      `ALTER FOREIGN DATA WRAPPER "w" NO HANDLER OPTIONS (SET "a" '1', DROP "b""", ADD "c" E'x\\\\y')`,
    ],
    [{ kind: 'alterFdwOwner', database: db, name: 'w', owner: 'postgres' }, 'ALTER FOREIGN DATA WRAPPER "w" OWNER TO "postgres"'],
    [{ kind: 'dropFdw', database: db, name: 'w' }, 'DROP FOREIGN DATA WRAPPER IF EXISTS "w"'],
    [
      { kind: 'createServer', database: db, name: 'remote', fdw: 'postgres_fdw', options: [{ op: 'add', name: 'host', value: 'pg-rw' }, { op: 'add', name: 'port', value: '5432' }] },
      `CREATE SERVER "remote" FOREIGN DATA WRAPPER "postgres_fdw" OPTIONS ("host" 'pg-rw', "port" '5432')`,
    ],
    [{ kind: 'createServer', database: db, name: 'remote', fdw: 'w', options: [] }, 'CREATE SERVER "remote" FOREIGN DATA WRAPPER "w"'],
    [{ kind: 'alterServer', database: db, name: 'remote', options: [{ op: 'drop', name: 'port' }] }, 'ALTER SERVER "remote" OPTIONS (DROP "port")'],
    [{ kind: 'dropServer', database: db, name: 'remote' }, 'DROP SERVER IF EXISTS "remote"'],
    [{ kind: 'grantUsage', database: db, object: 'fdw', name: 'w', role: 'app' }, 'GRANT USAGE ON FOREIGN DATA WRAPPER "w" TO "app"'],
    [{ kind: 'grantUsage', database: db, object: 'server', name: 'remote', role: 'public' }, 'GRANT USAGE ON FOREIGN SERVER "remote" TO PUBLIC'],
    [{ kind: 'revokeUsage', database: db, object: 'server', name: 'remote', role: 'x"; DROP' }, 'REVOKE USAGE ON FOREIGN SERVER "remote" FROM "x""; DROP"'],
  ];
  for (const [action, sql] of cases) assert.equal(databaseActionSql(action), sql);
});

test('no control character reaches a foreign data statement', () => {
  assert.throws(() => databaseActionSql({ kind: 'createServer', database: 'a', name: 's', fdw: 'w', options: [{ op: 'add', name: 'host\n', value: 'x' }] }), /control character/);
  assert.throws(() => databaseActionSql({ kind: 'alterServer', database: 'a', name: 's', options: [{ op: 'set', name: 'host', value: 'x\0' }] }), /NUL/);
});
