import test from 'node:test';
import assert from 'node:assert/strict';
import type { Cluster } from '../api/index.js';
import { fixture } from '../api/testing.js';
import { certificateSecrets, goTime, planCertificates, serverNames } from './certificates.js';
import type { Action, ObservedCertificate } from './types.js';

const DAY = 86_400_000;
const now = new Date('2026-01-01T00:00:00Z');

function cluster(certificates?: Cluster['spec']['certificates']): Cluster {
  return fixture('Cluster', { instances: 1, certificates }, { namespace: 'prod' });
}

const issued = (actions: Action[]) => actions.flatMap((a) => (a.kind === 'issueCertificate' ? [`${a.request.certificate}:${a.name}`] : []));

function healthy(c: Cluster, hosts: string[] = []): Record<string, ObservedCertificate> {
  return {
    'pg-ca': { subject: 'CN=pg,OU=prod', notAfter: new Date(now.getTime() + 60 * DAY), names: [], hasKey: true },
    'pg-server': { subject: 'CN=pg-rw', notAfter: new Date(now.getTime() + 60 * DAY), names: serverNames(c, hosts), hasKey: true, issuedByServerCA: true },
  };
}

test('the server certificate names every Service in every DNS form, the alt names and the endpoint hosts', () => {
  const names = serverNames(cluster({ serverAltDNSNames: ['db.example.com'] }), ['127.0.0.1']);
  for (const svc of ['pg-rw', 'pg-r', 'pg-ro']) {
    for (const form of [svc, `${svc}.prod`, `${svc}.prod.svc`, `${svc}.prod.svc.cluster.local`]) assert.ok(names.includes(form), form);
  }
  assert.ok(names.includes('db.example.com'));
  assert.ok(names.includes('127.0.0.1') && names.includes('localhost'), 'a loopback endpoint is also localhost');
  assert.equal(names.length, 12 + 3);
  // Kubernetes endpoints are the Services themselves: nothing is added twice.
  assert.deepEqual(serverNames(cluster(), ['pg-rw.prod.svc']), serverNames(cluster(), []));
});

test('a new cluster gets a CA and a server certificate; a healthy one gets nothing', () => {
  const fresh = planCertificates(cluster(), {}, [], now);
  assert.deepEqual(issued(fresh.actions), ['authority:pg-ca', 'server:pg-server']);
  const server = fresh.actions.find((a) => a.kind === 'issueCertificate' && a.request.certificate === 'server');
  assert.ok(server?.kind === 'issueCertificate' && server.request.certificate === 'server');
  assert.equal(server.request.authority, 'pg-ca');
  assert.equal(server.request.commonName, 'pg-rw');
  assert.deepEqual(planCertificates(cluster(), healthy(cluster()), [], now).actions, []);
});

test('renewal: 7 days before expiry, not 8; a CA renewal keeps its key so the server certificate stays', () => {
  const at = (days: number) => new Date(now.getTime() + days * DAY);
  const observed = healthy(cluster());
  const server = observed['pg-server'] as ObservedCertificate;
  assert.deepEqual(issued(planCertificates(cluster(), { ...observed, 'pg-server': { ...server, notAfter: at(8) } }, [], now).actions), []);
  assert.deepEqual(issued(planCertificates(cluster(), { ...observed, 'pg-server': { ...server, notAfter: at(6.9) } }, [], now).actions), ['server:pg-server']);
  const ca = observed['pg-ca'] as ObservedCertificate;
  const renewCA = planCertificates(cluster(), { ...observed, 'pg-ca': { ...ca, notAfter: at(3) } }, [], now);
  assert.deepEqual(issued(renewCA.actions), ['authority:pg-ca']);
  assert.ok(renewCA.actions.some((a) => a.kind === 'issueCertificate' && a.request.certificate === 'authority' && a.request.keepKey));
  const lostKey = planCertificates(cluster(), { ...observed, 'pg-ca': { ...ca, hasKey: false } }, [], now);
  assert.deepEqual(issued(lostKey.actions), ['authority:pg-ca', 'server:pg-server'], 'a new CA key invalidates what the old key signed');
});

test('a server certificate is issued again when its names, its key or its issuer are wrong', () => {
  const observed = healthy(cluster());
  const server = observed['pg-server'] as ObservedCertificate;
  const again = (changed: Partial<ObservedCertificate>, c = cluster(), hosts: string[] = []) =>
    issued(planCertificates(c, { ...observed, 'pg-server': { ...server, ...changed } }, hosts, now).actions);
  assert.deepEqual(again({}, cluster({ serverAltDNSNames: ['db.example.com'] })), ['server:pg-server']);
  assert.deepEqual(again({}, cluster(), ['127.0.0.1']), ['server:pg-server']);
  assert.deepEqual(again({ hasKey: false }), ['server:pg-server']);
  assert.deepEqual(again({ issuedByServerCA: false }), ['server:pg-server']);
  assert.deepEqual(again({ names: [...server.names].reverse() }), [], 'order does not matter');
});

test('user-provided certificates are never issued, only reported', () => {
  const given = cluster({ serverCASecret: 'my-ca', serverTLSSecret: 'my-tls', clientCASecret: 'my-client-ca' });
  assert.deepEqual(certificateSecrets(given), { serverCASecret: 'my-ca', serverTLSSecret: 'my-tls', clientCASecret: 'my-client-ca', generatedCA: undefined, generatedServer: undefined });
  const expiring = { subject: 'CN=x', notAfter: new Date(now.getTime() + DAY), names: [], hasKey: true };
  const plan = planCertificates(given, { 'my-tls': expiring }, [], now);
  assert.deepEqual(plan.actions, []);
  assert.deepEqual(plan.status.expirations, { 'my-tls': goTime(expiring.notAfter) });
  // The user's server CA signs a server certificate the operator issues; clients still get X-ca.
  const caOnly = planCertificates(cluster({ serverCASecret: 'my-ca' }), {}, [], now);
  assert.deepEqual(issued(caOnly.actions), ['authority:pg-ca', 'server:pg-server']);
  assert.ok(caOnly.actions.some((a) => a.kind === 'issueCertificate' && a.request.certificate === 'server' && a.request.authority === 'my-ca'));
});

test('status.certificates names the Secrets and their expirations in CloudNativePG’s format', () => {
  const c = cluster({ serverAltDNSNames: ['db.example.com'], replicationTLSSecret: 'my-repl' });
  const fresh = planCertificates(c, {}, [], now);
  assert.deepEqual(fresh.status, {
    serverCASecret: 'pg-ca',
    serverTLSSecret: 'pg-server',
    clientCASecret: 'pg-ca',
    replicationTLSSecret: 'my-repl',
    serverAltDNSNames: ['db.example.com'],
    // What is issued now expires in 90 days; the plan knows it before the certificate exists.
    expirations: { 'pg-ca': '2026-04-01 00:00:00 +0000 UTC', 'pg-server': '2026-04-01 00:00:00 +0000 UTC' },
  });
  assert.equal(planCertificates(cluster(), {}, [], now).status.replicationTLSSecret, undefined);
});

test('a Pooler with built-in authentication brings X-pooler, a client certificate of the client CA; without one it goes', () => {
  const c = cluster();
  const fresh = planCertificates(c, {}, [], now, true);
  assert.deepEqual(issued(fresh.actions), ['authority:pg-ca', 'server:pg-server', 'client:pg-pooler']);
  const request = fresh.actions.find((a) => a.kind === 'issueCertificate' && a.request.certificate === 'client');
  assert.ok(request?.kind === 'issueCertificate' && request.request.certificate === 'client');
  assert.deepEqual(request.request, { certificate: 'client', authority: 'pg-ca', commonName: 'cnpg_pooler_pgbouncer' });
  assert.equal(fresh.status.expirations['pg-pooler'], '2026-04-01 00:00:00 +0000 UTC');
  const pooler: ObservedCertificate = { subject: 'CN=cnpg_pooler_pgbouncer', notAfter: new Date(now.getTime() + 60 * DAY), names: [], hasKey: true, issuedByClientCA: true };
  const withPooler: Record<string, ObservedCertificate> = { ...healthy(c), 'pg-pooler': pooler };
  assert.deepEqual(planCertificates(c, withPooler, [], now, true).actions, []);
  assert.deepEqual(issued(planCertificates(c, { ...withPooler, 'pg-pooler': { ...pooler, issuedByClientCA: false } }, [], now, true).actions), ['client:pg-pooler']);
  assert.deepEqual(issued(planCertificates(c, { ...withPooler, 'pg-pooler': { ...pooler, notAfter: new Date(now.getTime() + 6 * DAY) } }, [], now, true).actions), ['client:pg-pooler']);
  const lostCaKey = planCertificates(c, { ...withPooler, 'pg-ca': { ...(withPooler['pg-ca'] as ObservedCertificate), hasKey: false } }, [], now, true);
  assert.deepEqual(issued(lostCaKey.actions), ['authority:pg-ca', 'server:pg-server', 'client:pg-pooler']);
  const gone = planCertificates(c, withPooler, [], now, false);
  assert.deepEqual(gone.actions, [{ kind: 'deleteSecret', name: 'pg-pooler' }]);
  assert.deepEqual(planCertificates(c, healthy(c), [], now, false).actions, []);
});

test('X-pooler is signed by the client CA the Cluster names', () => {
  const plan = planCertificates(cluster({ clientCASecret: 'my-client-ca' }), {}, [], now, true);
  const request = plan.actions.find((a) => a.kind === 'issueCertificate' && a.request.certificate === 'client');
  assert.ok(request?.kind === 'issueCertificate' && request.request.certificate === 'client' && request.request.authority === 'my-client-ca');
});
