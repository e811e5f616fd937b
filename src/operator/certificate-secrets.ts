// The Secret side of the Cluster's certificates: what the Secrets hold (for the pure plan in
// certificates.ts) and issuing into them.
import { withInheritedMetadata } from '../api/inherited-metadata.js';
import type { Cluster } from '../api/index.js';
import type { KubeObject } from '../api/meta.js';
import type { TlsMaterial } from '../instance/spec.js';
import { certificateFacts, isIssuedBy, issueAuthority, issueLeaf, keyMatches } from '../pki/x509.js';
import { secretNames } from '../api/names.js';
import { certificateSecrets } from './certificates.js';
import { readSecretValues } from './credentials-read.js';
import type { ResourceStore } from './platform.js';
import { certificateSecret, decodeData } from './secrets.js';
import type { Action, ObservedCertificate } from './types.js';

/** `secrets`: the Secrets of the Cluster's namespace, as listed for this reconcile. */
export async function observeCertificates(cluster: Cluster, secrets: KubeObject[]): Promise<Record<string, ObservedCertificate>> {
  const names = certificateSecrets(cluster);
  const values = (name: string) => decodeData(secrets.find((s) => s.metadata.name === name));
  const observed: Record<string, ObservedCertificate> = {};
  const observe = (name: string, certKey: string, keyKey: string) => {
    const v = values(name);
    const pem = v[certKey];
    const facts = pem === undefined ? undefined : certificateFacts(pem);
    if (pem === undefined || !facts) return;
    const key = v[keyKey];
    observed[name] = { ...facts, hasKey: key !== undefined && keyMatches(pem, key) };
  };
  observe(names.serverCASecret, 'ca.crt', 'ca.key');
  observe(names.clientCASecret, 'ca.crt', 'ca.key');
  observe(names.serverTLSSecret, 'tls.crt', 'tls.key');
  const server = observed[names.serverTLSSecret];
  const serverPem = values(names.serverTLSSecret)['tls.crt'];
  const caPem = values(names.serverCASecret)['ca.crt'];
  if (server && serverPem && caPem) server.issuedByServerCA = await isIssuedBy(serverPem, caPem);
  const pooler = secretNames(cluster.metadata.name).pooler;
  observe(pooler, 'tls.crt', 'tls.key');
  const poolerPem = values(pooler)['tls.crt'];
  const clientCaPem = values(names.clientCASecret)['ca.crt'];
  if (observed[pooler] && poolerPem) observed[pooler].issuedByClientCA = clientCaPem !== undefined && (await isIssuedBy(poolerPem, clientCaPem));
  return observed;
}

export async function issueCertificate(store: ResourceStore, cluster: Cluster, action: Extract<Action, { kind: 'issueCertificate' }>): Promise<void> {
  const namespace = cluster.metadata.namespace ?? 'default';
  const now = new Date(action.issuedAt);
  const r = action.request;
  if (r.certificate === 'authority') {
    const key = r.keepKey ? (await readSecretValues(store, namespace, action.name))?.['ca.key'] : undefined;
    const ca = await issueAuthority(r.subject, now, key);
    await store.put(withInheritedMetadata(cluster, certificateSecret(cluster.metadata.name, namespace, action.name, 'Opaque', { 'ca.crt': ca.cert, 'ca.key': ca.key })));
    return;
  }
  const authority = await readSecretValues(store, namespace, r.authority);
  const caCert = authority?.['ca.crt'];
  const caKey = authority?.['ca.key'];
  if (!caCert || !caKey) {
    const hint = r.certificate === 'server' ? 'the server certificate; or name a ready one in spec.certificates.serverTLSSecret' : `the client certificate of ${r.commonName} (${action.name}) that a Pooler logs in with; or give the Pooler an authQuerySecret`;
    throw new Error(`secret ${r.authority} must hold ca.crt and ca.key to sign ${hint}`);
  }
  const names = r.certificate === 'server' ? r.names : [];
  const leaf = await issueLeaf({ authority: { cert: caCert, key: caKey }, commonName: r.commonName, names, usage: r.certificate, now });
  await store.put(withInheritedMetadata(cluster, certificateSecret(cluster.metadata.name, namespace, action.name, 'kubernetes.io/tls', { 'tls.crt': leaf.cert, 'tls.key': leaf.key })));
}

/** What the instances need to serve TLS; throws, naming the Secret, while one is missing. */
export async function resolveTls(store: ResourceStore, cluster: Cluster): Promise<TlsMaterial> {
  const namespace = cluster.metadata.namespace ?? 'default';
  const names = certificateSecrets(cluster);
  const server = await readSecretValues(store, namespace, names.serverTLSSecret);
  const clientCA = await readSecretValues(store, namespace, names.clientCASecret);
  if (!server?.['tls.crt'] || !server['tls.key']) throw new Error(`secret ${names.serverTLSSecret} is missing or has no tls.crt and tls.key`);
  if (!clientCA?.['ca.crt']) throw new Error(`secret ${names.clientCASecret} is missing or has no ca.crt`);
  return { cert: server['tls.crt'], key: server['tls.key'], ca: clientCA['ca.crt'] };
}
