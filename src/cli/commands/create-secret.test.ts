import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSecret, type CreateSecretOptions } from './create-secret.js';

const none: CreateSecretOptions = { fromLiteral: [], fromFile: [], fromEnvFile: [] };
const dir = mkdtempSync(join(tmpdir(), 'secret-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('generic: literals, files and env files base64-encoded, no type unless given, as kubectl builds it', () => {
  writeFileSync(join(dir, 'ca.crt'), 'PEM');
  writeFileSync(join(dir, 'env'), '# comment\nA=1\n\nB=x=y\n');
  const secret = buildSecret('generic', 'creds', { ...none, namespace: 'data', fromLiteral: ['user=app'], fromFile: [join(dir, 'ca.crt'), `k=${join(dir, 'ca.crt')}`], fromEnvFile: [join(dir, 'env')] });
  assert.deepEqual(secret, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'creds', namespace: 'data' },
    data: { user: 'YXBw', 'ca.crt': 'UEVN', k: 'UEVN', A: 'MQ==', B: 'eD15' },
  });
  assert.equal(buildSecret('generic', 's', { ...none, type: 'kubernetes.io/basic-auth' }).type, 'kubernetes.io/basic-auth');
});

test('tls: the certificate and key under tls.crt and tls.key', () => {
  writeFileSync(join(dir, 'c'), 'C');
  writeFileSync(join(dir, 'k'), 'K');
  const secret = buildSecret('tls', 't', { ...none, cert: join(dir, 'c'), key: join(dir, 'k') });
  assert.equal(secret.type, 'kubernetes.io/tls');
  assert.deepEqual(secret.data, { 'tls.crt': 'Qw==', 'tls.key': 'Sw==' });
  assert.throws(() => buildSecret('tls', 't', none), /needs --cert=PATH and --key=PATH/);
});

test('bad sources are refused with what was expected', () => {
  assert.throws(() => buildSecret('docker-registry', 's', none), /unknown secret type "docker-registry" \(allowed: generic, tls\)/);
  assert.throws(() => buildSecret('generic', 's', { ...none, fromLiteral: ['novalue'] }), /invalid literal source novalue, expected key=value/);
  assert.throws(() => buildSecret('generic', 's', { ...none, fromLiteral: ['a=1', 'a=2'] }), /another key by that name already exists/);
  assert.throws(() => buildSecret('generic', 's', { ...none, fromFile: ['/no/such/file'] }), /--from-file: cannot read "\/no\/such\/file": no such file/);
});
