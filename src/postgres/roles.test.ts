import test from 'node:test';
import assert from 'node:assert/strict';
import { passwordClause, roleOptions, type RoleAttributes } from './roles.js';

const plain: RoleAttributes = {
  login: false,
  superuser: false,
  createdb: false,
  createrole: false,
  inherit: true,
  replication: false,
  bypassrls: false,
  connectionLimit: -1,
};

test('roleOptions spells every attribute, granted or not', () => {
  assert.equal(roleOptions(plain), 'NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT -1');
  assert.equal(
    roleOptions({ ...plain, login: true, superuser: true, createdb: true, createrole: true, inherit: false, replication: true, bypassrls: true, connectionLimit: 5 }),
    'LOGIN SUPERUSER CREATEDB CREATEROLE NOINHERIT REPLICATION BYPASSRLS CONNECTION LIMIT 5',
  );
});

test('roleOptions quotes VALID UNTIL as a literal', () => {
  assert.equal(roleOptions({ ...plain, validUntil: '2030-01-01 00:00:00+00' }).split('CONNECTION LIMIT -1 ')[1], "VALID UNTIL '2030-01-01 00:00:00+00'");
  assert.match(roleOptions({ ...plain, validUntil: "2030' SUPERUSER" }), /VALID UNTIL '2030'' SUPERUSER'$/);
});

test('passwordClause: no password is PASSWORD NULL, a cleartext one a SCRAM verifier, a passthrough one the quoted value', () => {
  assert.equal(passwordClause(undefined, false), 'PASSWORD NULL');
  assert.equal(passwordClause(undefined, true), 'PASSWORD NULL');
  assert.match(passwordClause("it's", false), /^PASSWORD 'SCRAM-SHA-256\$4096:[^']+'$/);
  assert.equal(passwordClause("it's", true), "PASSWORD 'it''s'");
});
