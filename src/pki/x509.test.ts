import test from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { certificateFacts, isIssuedBy, issueAuthority, issueLeaf, keyMatches, needsRenewal } from './x509.js';

const DAY = 86_400_000;
const now = new Date('2026-01-01T00:00:00Z');

test('a server certificate chains to its CA and names hosts and IP addresses', async () => {
  const ca = await issueAuthority('CN=pg,OU=prod', now);
  const leaf = await issueLeaf({ authority: ca, commonName: 'pg-rw', names: ['pg-rw.prod.svc', '127.0.0.1'], usage: 'server', now });
  const cert = new X509Certificate(leaf.cert);
  assert.ok(cert.verify(new X509Certificate(ca.cert).publicKey));
  assert.ok(cert.checkIssued(new X509Certificate(ca.cert)));
  assert.equal(cert.subjectAltName, 'DNS:pg-rw.prod.svc, IP Address:127.0.0.1');
  assert.equal(cert.ca, false);
  assert.equal(new X509Certificate(ca.cert).ca, true);
  assert.equal(leaf.notAfter.getTime() - now.getTime(), 90 * DAY);
  assert.deepEqual(certificateFacts(leaf.cert), { subject: 'CN=pg-rw', notAfter: leaf.notAfter, names: ['pg-rw.prod.svc', '127.0.0.1'] });
  assert.ok(await isIssuedBy(leaf.cert, ca.cert));
  assert.ok(keyMatches(leaf.cert, leaf.key));
  assert.ok(!keyMatches(leaf.cert, ca.key));
});

test('names read back as they were asked for: IPv6 compressed, special characters unescaped', async () => {
  const ca = await issueAuthority('CN=pg,OU=prod', now);
  const names = ['pg-rw', '::1', 'fe80::1', '10.0.0.1', 'a,b', 'x"y', 'ünï'];
  const leaf = await issueLeaf({ authority: ca, commonName: 'pg-rw', names, usage: 'server', now });
  assert.deepEqual(certificateFacts(leaf.cert)?.names, names);
  assert.equal(certificateFacts(ca.cert)?.subject, 'CN=pg, OU=prod');
});

test('a CA renewed with its key still verifies what it signed; a new CA does not', async () => {
  const ca = await issueAuthority('CN=pg,OU=prod', now);
  const leaf = await issueLeaf({ authority: ca, commonName: 'pg-rw', names: ['pg-rw'], usage: 'server', now });
  const renewed = await issueAuthority('CN=pg,OU=prod', new Date(now.getTime() + 85 * DAY), ca.key);
  assert.notEqual(renewed.cert, ca.cert);
  assert.ok(await isIssuedBy(leaf.cert, renewed.cert));
  assert.ok(!(await isIssuedBy(leaf.cert, (await issueAuthority('CN=pg,OU=prod', now)).cert)));
});

test('renewal is due with less than 7 days left', () => {
  assert.equal(needsRenewal(new Date(now.getTime() + 7 * DAY + 1000), now), false);
  assert.equal(needsRenewal(new Date(now.getTime() + 7 * DAY - 1000), now), true);
  assert.equal(certificateFacts('not a certificate'), undefined);
});
