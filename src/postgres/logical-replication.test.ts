import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alterPublicationSql, alterSubscriptionSql, createPublicationSql, createSubscriptionSql, dropPublicationSql, dropSubscriptionSql } from './logical-replication.js';

test('publications: all tables, grouped tables and schemas, parameters sorted and quoted', () => {
  assert.equal(createPublicationSql({ name: 'pub', target: { allTables: true }, parameters: {} }), 'CREATE PUBLICATION "pub" FOR ALL TABLES');
  const objects = {
    objects: [{ table: { name: 'a' } }, { table: { name: 'b"x', schema: 's', only: true, columns: ['id', 'v'] } }, { tablesInSchema: 'public' }, { table: { name: 'c' } }],
  };
  assert.equal(
    createPublicationSql({ name: 'p', target: objects, parameters: { publish_via_partition_root: 'true', publish: "insert, it's" } }),
    `CREATE PUBLICATION "p" FOR TABLE "a", ONLY "s"."b""x" ("id", "v"), TABLES IN SCHEMA "public", TABLE "c" WITH ("publish" = 'insert, it''s', "publish_via_partition_root" = 'true')`,
  );
  assert.deepEqual(alterPublicationSql({ name: 'p', target: { objects: [{ tablesInSchema: 'x' }] }, parameters: { publish: 'insert' } }), [
    'ALTER PUBLICATION "p" SET TABLES IN SCHEMA "x"',
    `ALTER PUBLICATION "p" SET ("publish" = 'insert')`,
  ]);
  assert.deepEqual(alterPublicationSql({ name: 'p', target: { allTables: true }, parameters: {} }), []);
  assert.equal(dropPublicationSql('a"b'), 'DROP PUBLICATION IF EXISTS "a""b"');
});

test('subscriptions: the connection is a literal, and only what differs or may change is altered', () => {
  const s = { name: 'sub', publicationName: 'pub', parameters: { copy_data: 'false', streaming: 'on' } };
  const conninfo = "host=h passfile='/x y/pgpass'";
  assert.equal(createSubscriptionSql(s, conninfo), `CREATE SUBSCRIPTION "sub" CONNECTION 'host=h passfile=''/x y/pgpass''' PUBLICATION "pub" WITH ("copy_data" = 'false', "streaming" = 'on')`);
  assert.deepEqual(alterSubscriptionSql(s, conninfo, { conninfo, publications: ['pub'] }, 15), [`ALTER SUBSCRIPTION "sub" SET ("streaming" = 'on')`]);
  assert.deepEqual(alterSubscriptionSql({ ...s, parameters: {} }, conninfo, { conninfo: 'host=old', publications: ['other'] }, 15), [
    'ALTER SUBSCRIPTION "sub" SET PUBLICATION "pub"',
    `ALTER SUBSCRIPTION "sub" CONNECTION 'host=h passfile=''/x y/pgpass'''`,
  ]);
  assert.deepEqual(alterSubscriptionSql({ ...s, parameters: { two_phase: 'on' } }, conninfo, { conninfo, publications: ['pub'] }, 17), []);
  assert.equal(dropSubscriptionSql('sub'), 'DROP SUBSCRIPTION IF EXISTS "sub"');
});
