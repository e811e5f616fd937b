import test from 'node:test';
import assert from 'node:assert/strict';
import {
  parseParameters,
  parseSequences,
  parseTable,
  publicationCreateSql,
  publicationDropSql,
  subscriptionCreateSql,
  subscriptionDropSql,
  syncSequencesSql,
} from './logical-sql.js';

test('publication create: targets as CloudNativePG\'s plugin takes them, every name quoted', () => {
  assert.equal(publicationCreateSql({ publication: 'pub', allTables: true }), 'CREATE PUBLICATION "pub" FOR ALL TABLES');
  assert.equal(
    publicationCreateSql({ publication: 'pub', schema: ['sales'], table: ['public.numbers', 'Odd"Name'] }),
    'CREATE PUBLICATION "pub" FOR TABLES IN SCHEMA "sales", TABLE "public"."numbers", "Odd""Name"',
  );
  assert.equal(
    publicationCreateSql({ publication: 'pub', allTables: true, parameters: "publish = 'insert,update', publish_via_partition_root=true" }),
    `CREATE PUBLICATION "pub" FOR ALL TABLES WITH ("publish" = 'insert,update', "publish_via_partition_root" = 'true')`,
  );
  assert.equal(publicationDropSql('p"; DROP TABLE x; --'), 'DROP PUBLICATION "p""; DROP TABLE x; --"');
});

test('publication create refuses what cannot be a plain target', () => {
  assert.throws(() => publicationCreateSql({ publication: 'pub' }), /one of --all-tables, --schema or --table is required/);
  assert.throws(() => publicationCreateSql({ publication: 'pub', allTables: true, table: ['t'] }), /--all-tables cannot be combined/);
  assert.throws(() => publicationCreateSql({ publication: '', allTables: true }), /--publication is required/);
  assert.throws(() => publicationCreateSql({ publication: 'p\nq', allTables: true }), /control character/);
  assert.throws(() => publicationCreateSql({ publication: 'x'.repeat(64), allTables: true }), /at most 63 bytes/);
  assert.throws(() => parseTable('a.b.c'), /give a table as NAME or SCHEMA.NAME/);
  assert.throws(() => parseTable('t.'), /give a table as NAME or SCHEMA.NAME/);
});

test('--parameters: names are words, values literals; anything else is refused', () => {
  assert.deepEqual(parseParameters("copy_data = false, streaming=on, origin = 'n''one'"), { copy_data: 'false', streaming: 'on', origin: "n'one" });
  assert.deepEqual(parseParameters(undefined), {});
  // An unquoted value runs to the next comma, and stays one literal whatever it holds.
  assert.deepEqual(parseParameters('copy_data = false); DROP TABLE x; --'), { copy_data: 'false); DROP TABLE x; --' });
  assert.throws(() => parseParameters("copy_data = 'false"), /expected NAME = VALUE/);
  assert.throws(() => parseParameters('"Copy" = 1'), /is not a parameter name/);
  assert.throws(() => parseParameters('copy_data ='), /has no value/);
  assert.throws(() => parseParameters('a = 1\n'), /control character/);
  // Whatever the value holds, it stays inside one literal.
  assert.equal(subscriptionCreateSql({ subscription: 's', publication: 'p', parameters: "slot_name = 'x'') --'" }, 'host=h'), `CREATE SUBSCRIPTION "s" CONNECTION 'host=h' PUBLICATION "p" WITH ("slot_name" = 'x'') --')`);
});

test('subscription create and drop', () => {
  assert.equal(
    subscriptionCreateSql({ subscription: 'sub', publication: 'pub' }, "host=source port=5432 passfile='/x y/pgpass'"),
    `CREATE SUBSCRIPTION "sub" CONNECTION 'host=source port=5432 passfile=''/x y/pgpass''' PUBLICATION "pub"`,
  );
  assert.equal(subscriptionDropSql('sub'), 'DROP SUBSCRIPTION "sub"');
  assert.throws(() => subscriptionDropSql(' '), /--subscription is required/);
});

test('sync-sequences: the publisher\'s values for the sequences both sides have, plus the offset', () => {
  const source = parseSequences('[{"schema":"public","name":"a_seq","value":"41"},{"schema":"public","name":"never","value":null},{"schema":"public","name":"only_there","value":"5"}]');
  const destination = parseSequences('[{"schema":"public","name":"a_seq","value":"1"},{"schema":"public","name":"never","value":null},{"schema":"Odd","name":"x","value":"2"}]');
  assert.equal(syncSequencesSql(source, destination, 0), `SELECT pg_catalog.setval('"public"."a_seq"', 41);\nSELECT pg_catalog.setval('"public"."never"', NULL);`);
  assert.equal(syncSequencesSql(source, destination, 10), `SELECT pg_catalog.setval('"public"."a_seq"', 51);\nSELECT pg_catalog.setval('"public"."never"', NULL);`);
  assert.equal(syncSequencesSql(new Map([['"s"."big"', '9223372036854775000']]), new Map([['"s"."big"', null]]), 7), `SELECT pg_catalog.setval('"s"."big"', 9223372036854775007);`);
});
