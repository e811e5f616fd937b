import test from 'node:test';
import assert from 'node:assert/strict';
import { credentialSecret, decodeData } from './secrets.js';

test('app secret has CloudNativePG keys and a working URI', () => {
  const s = credentialSecret({
    cluster: 'pg', namespace: 'default', name: 'pg-app', userType: 'app',
    username: 'app', password: 'p@ss:w/rd', dbname: 'app', rw: { host: '127.0.0.1', port: 6000 },
  });
  const d = decodeData(s);
  assert.equal(s.type, 'kubernetes.io/basic-auth');
  assert.equal(d.uri, 'postgresql://app:p%40ss%3Aw%2Frd@127.0.0.1:6000/app');
  assert.equal(d['jdbc-uri'], 'jdbc:postgresql://127.0.0.1:6000/app?password=p%40ss%3Aw%2Frd&user=app');
  assert.equal(d.pgpass, '127.0.0.1:6000:app:app:p@ss\\:w/rd\n');
  assert.deepEqual(Object.keys(d).sort(), ['dbname', 'host', 'jdbc-uri', 'password', 'pgpass', 'port', 'uri', 'user', 'username']);
  assert.equal(s.metadata.labels?.['cnpg.io/userType'], 'app');
});

test('replication secret carries only the credentials', () => {
  const d = decodeData(credentialSecret({
    cluster: 'pg', namespace: 'default', name: 'pg-replication', userType: 'replication',
    username: 'streaming_replica', password: 'x', dbname: 'postgres', rw: { host: '127.0.0.1', port: 1 },
  }));
  assert.deepEqual(Object.keys(d).sort(), ['password', 'user', 'username']);
});
