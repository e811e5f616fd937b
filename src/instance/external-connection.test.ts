import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { externalConnection, externalConninfo, writeExternalConnection, type ExternalConnection } from './external-connection.js';

const tls: ExternalConnection = {
  name: 'source-db',
  params: { host: 'db.example.com', port: '5432', user: 'streaming_replica', sslmode: 'verify-full' },
  password: 'pa:ss\\word',
  sslCert: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  sslKey: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n',
  sslRootCert: '-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n',
};

function withRoot(body: (root: string) => void): void {
  const root = mkdtempSync(join(tmpdir(), 'external-connection-'));
  try {
    body(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('values are quoted as libpq wants: blanks, quotes, backslashes and empty values', () => {
  const conninfo = externalConninfo({ name: 'x', params: { host: 'h', application_name: "it's a \\ name", options: '-c search_path=a b', sslpassword: '' } }, '/d');
  assert.equal(conninfo, "host=h application_name='it\\'s a \\\\ name' options='-c search_path=a b' sslpassword=''");
});

test('secret values become file keywords in the folder; overrides win over the entry', () => {
  const conninfo = externalConninfo({ ...tls, params: { ...tls.params, dbname: 'postgres', sslrootcert: '/elsewhere' } }, '/i/external/source-db', { dbname: 'app' });
  assert.equal(
    conninfo,
    'host=db.example.com port=5432 user=streaming_replica sslmode=verify-full dbname=app sslrootcert=/i/external/source-db/sslrootcert sslcert=/i/external/source-db/sslcert sslkey=/i/external/source-db/sslkey passfile=/i/external/source-db/pgpass',
  );
});

test('a control character in a value or a keyword libpq does not have is refused, naming the parameter', () => {
  assert.throws(() => externalConninfo({ name: 'x', params: { host: 'h\nport=1' } }, '/d'), /externalClusters x: connectionParameters.host contains a control character/);
  assert.throws(() => externalConninfo({ name: 'x', params: { 'host port': 'h' } }, '/d'), /"host port" is not a libpq keyword/);
  withRoot((root) => assert.throws(() => writeExternalConnection(root, { name: 'x', params: {}, password: 'a\nb' }), /the password contains a control character/));
});

test('a name that is not one folder is refused before anything is written', () => {
  withRoot((root) => {
    for (const name of ['..', '.', 'a/b', 'a\\b', '']) {
      assert.throws(() => writeExternalConnection(root, { ...tls, name }), /cannot name a folder/);
    }
  });
});

test('the password and PEMs are 0600 files; the passfile escapes ":" and "\\"', () => {
  withRoot((root) => {
    const dir = join(root, 'external', 'source-db');
    // A key left readable by an earlier run must not stay so: libpq refuses such a key.
    writeExternalConnection(root, { name: 'source-db', params: {} });
    writeFileSync(join(dir, 'sslkey'), 'old', { mode: 0o644 });
    const conninfo = writeExternalConnection(root, tls, { dbname: 'app' });
    assert.match(conninfo, /passfile=\S+\/external\/source-db\/pgpass/);
    assert.equal(readFileSync(join(dir, 'pgpass'), 'utf8'), '*:*:*:*:pa\\:ss\\\\word\n');
    assert.equal(readFileSync(join(dir, 'sslkey'), 'utf8'), tls.sslKey);
    assert.equal(readFileSync(join(dir, 'sslcert'), 'utf8'), tls.sslCert);
    assert.equal(readFileSync(join(dir, 'sslrootcert'), 'utf8'), tls.sslRootCert);
    for (const file of ['pgpass', 'sslcert', 'sslkey', 'sslrootcert']) assert.equal(statSync(join(dir, file)).mode & 0o777, 0o600, file);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.doesNotMatch(conninfo, /pa.ss|BEGIN/);
  });
});

test("the handout's halves join by name; a source not handed out is a clear error", () => {
  const spec = { externalSources: [{ name: 'a', params: { host: 'h' } }] };
  assert.deepEqual(externalConnection(spec, { externalSources: { a: { password: 'p' } } }, 'a'), { name: 'a', params: { host: 'h' }, password: 'p' });
  assert.deepEqual(externalConnection(spec, {}, 'a'), { name: 'a', params: { host: 'h' } });
  assert.throws(() => externalConnection(spec, {}, 'b'), /external cluster b was not handed to this instance/);
});
