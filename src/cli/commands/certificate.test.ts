import test from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import type { KubeObject } from '../../api/meta.js';
import type { Cluster } from '../../api/index.js';
import { fixture } from '../../api/testing.js';
import { decodeData, encodeData } from '../../operator/secrets.js';
import { issueAuthority } from '../../pki/x509.js';
import { certificateCommand, clientCertificateSecret } from './certificate.js';

const now = new Date();
const cluster = (extra: Record<string, unknown> = {}): Cluster => fixture('Cluster', { instances: 1, ...extra }, { namespace: 'ns' });
const caSecret = async (name: string): Promise<KubeObject> => {
  const ca = await issueAuthority('CN=pg,OU=ns', now);
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'ns' }, data: encodeData({ 'ca.crt': ca.cert, 'ca.key': ca.key }) } as KubeObject;
};

test('a client certificate for the user, signed by the client CA, in a kubernetes.io/tls Secret', async () => {
  const authority = await caSecret('pg-ca');
  const secret = await clientCertificateSecret(cluster(), authority, 'app-cert', 'ns', 'app', now);
  assert.equal((secret as { type?: string }).type, 'kubernetes.io/tls');
  assert.deepEqual(secret.metadata, { name: 'app-cert', namespace: 'ns' });
  const v = decodeData(secret);
  const cert = new X509Certificate(v['tls.crt']!);
  assert.equal(cert.subject, 'CN=app');
  assert.ok(cert.verify(new X509Certificate(decodeData(authority)['ca.crt']!).publicKey), 'signed by the CA');
  assert.match(v['tls.key']!, /PRIVATE KEY/);
});

test('the CA is spec.certificates.clientCASecret when the Cluster names one; a CA without its key is refused', async () => {
  const asked: string[] = [];
  const own = await caSecret('my-client-ca');
  const access = {
    getCluster: async () => cluster({ certificates: { clientCASecret: 'my-client-ca', replicationTLSSecret: 'repl' } }) as unknown as KubeObject,
    getSecret: async (name: string) => (asked.push(name), name === 'my-client-ca' ? own : undefined),
    createSecret: async () => undefined,
  };
  assert.equal(await certificateCommand(access, 'c', 'ns', { cnpgCluster: 'pg', cnpgUser: 'app' }), 'secret/c created\n');
  assert.deepEqual(asked, ['my-client-ca', 'c']);
  const noKey = { ...own, data: { 'ca.crt': (own as { data: Record<string, string> }).data['ca.crt'] } } as KubeObject;
  await assert.rejects(clientCertificateSecret(cluster(), noKey, 'c', 'ns', 'app', now), /secret pg-ca \(the client CA of cluster pg\) must hold ca\.crt and ca\.key/);
});

test('a bad user or output format, and an existing Secret, are refused before anything is created', async () => {
  let created = 0;
  const ca = await caSecret('pg-ca');
  const access = { getCluster: async () => cluster() as unknown as KubeObject, getSecret: async (n: string) => (n === 'pg-ca' || n === 'taken' ? ca : undefined), createSecret: async () => void created++ };
  await assert.rejects(certificateCommand(access, 'c', 'ns', { cnpgCluster: 'pg', cnpgUser: '' }), /--cnpg-user: "" is not a PostgreSQL user name/);
  await assert.rejects(certificateCommand(access, 'c', 'ns', { cnpgCluster: 'pg', cnpgUser: 'x'.repeat(64) }), /longer than PostgreSQL's 63-byte names/);
  await assert.rejects(certificateCommand(access, 'c', 'ns', { cnpgCluster: 'pg', cnpgUser: 'app', output: 'xml' }), /--output: "xml" is not supported \(allowed: json, yaml\)/);
  await assert.rejects(certificateCommand(access, 'taken', 'ns', { cnpgCluster: 'pg', cnpgUser: 'app' }), /secrets "taken" already exists/);
  await assert.rejects(certificateCommand(access, 'Bad_Name', 'ns', { cnpgCluster: 'pg', cnpgUser: 'app' }), /Bad_Name/);
  assert.match(await certificateCommand(access, 'c', 'ns', { cnpgCluster: 'pg', cnpgUser: 'app', dryRun: true, output: 'json' }), /"kind": "Secret"/);
  assert.equal(created, 0);
});
