// Pure: which certificates a Cluster's PostgreSQL serves, when the operator issues or renews them,
// and what status.certificates says. CloudNativePG's rules: a self-signed CA `X-ca` and a server
// certificate `X-server` signed by it, unless spec.certificates names the user's own Secrets.
import { isIP } from 'node:net';
import type { Cluster } from '../api/index.js';
import type { CertificatesStatus } from '../api/cluster-status.js';
import { needsRenewal, validityEnd } from '../pki/x509.js';
import { secretNames, serviceNames } from '../api/names.js';
import { POOLER_USER } from '../postgres/hba.js';
import type { Action, ObservedCertificate } from './types.js';

export interface CertificateSecrets {
  serverCASecret: string;
  serverTLSSecret: string;
  clientCASecret: string;
  /** `X-ca` is needed while either CA is not the user's. */
  generatedCA?: string;
  /** `X-server` is issued unless the user gives the server certificate. */
  generatedServer?: string;
}

export function certificateSecrets(cluster: Cluster): CertificateSecrets {
  const given = cluster.spec.certificates;
  const names = secretNames(cluster.metadata.name);
  return {
    serverCASecret: given?.serverCASecret ?? names.ca,
    serverTLSSecret: given?.serverTLSSecret ?? names.server,
    clientCASecret: given?.clientCASecret ?? names.ca,
    generatedCA: given?.serverCASecret && given.clientCASecret ? undefined : names.ca,
    generatedServer: given?.serverTLSSecret ? undefined : names.server,
  };
}

/** The generated CA's subject; a renewal keeps it along with the key. */
export function authoritySubject(cluster: Cluster): string {
  return `CN=${cluster.metadata.name},OU=${cluster.metadata.namespace ?? 'default'}`;
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));

/**
 * Every name a client may reach the server by: each Service in each DNS form, the user's
 * serverAltDNSNames, and the hosts the platform's endpoints listen on (127.0.0.1 locally, which
 * also means `localhost`).
 */
export function serverNames(cluster: Cluster, endpointHosts: string[]): string[] {
  const ns = cluster.metadata.namespace ?? 'default';
  const services = serviceNames(cluster.metadata.name);
  const names = [services.rw, services.r, services.ro].flatMap((svc) => [svc, `${svc}.${ns}`, `${svc}.${ns}.svc`, `${svc}.${ns}.svc.cluster.local`]);
  names.push(...(cluster.spec.certificates?.serverAltDNSNames ?? []));
  for (const host of endpointHosts) names.push(host, ...(isLoopback(host) ? ['localhost'] : []));
  return [...new Set(names)];
}

/** Go's time.Time.String() in UTC, the form CloudNativePG writes expirations in. */
export function goTime(at: Date): string {
  const iso = at.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} +0000 UTC`;
}

const sameNames = (a: string[], b: string[]) => a.length === b.length && new Set([...a, ...b]).size === a.length;

/** Why a server certificate must be issued again, or undefined when it is fine as it is. */
function serverProblem(cert: ObservedCertificate | undefined, wanted: string[], now: Date): string | undefined {
  if (!cert) return 'missing';
  if (!cert.hasKey) return 'its private key is missing or does not match';
  if (!cert.issuedByServerCA) return 'not signed by the current CA';
  if (needsRenewal(cert.notAfter, now)) return `expires ${goTime(cert.notAfter)}`;
  if (!sameNames(cert.names, wanted)) return 'the names it must be valid for changed';
  return undefined;
}

export interface CertificatePlan {
  actions: Action[];
  status: CertificatesStatus;
}

/** Why the pooler's client certificate must be issued again, or undefined when it is fine as it is. */
function clientProblem(cert: ObservedCertificate | undefined, now: Date): string | undefined {
  if (!cert) return 'missing';
  if (!cert.hasKey) return 'its private key is missing or does not match';
  if (!cert.issuedByClientCA) return 'not signed by the current client CA';
  if (needsRenewal(cert.notAfter, now)) return `expires ${goTime(cert.notAfter)}`;
  return undefined;
}

/**
 * `poolerIntegration`: a Pooler with built-in authentication names the Cluster, which then keeps
 * `X-pooler`, the client certificate PgBouncer logs in with; without one it is deleted.
 */
export function planCertificates(cluster: Cluster, observed: Record<string, ObservedCertificate>, endpointHosts: string[], now: Date, poolerIntegration = false): CertificatePlan {
  const secrets = certificateSecrets(cluster);
  const actions: Action[] = [];
  const expirations: Record<string, string> = {};
  const issuedAt = now.toISOString();
  const issue = (name: string, request: Extract<Action, { kind: 'issueCertificate' }>['request'], reason: string) => {
    actions.push({ kind: 'issueCertificate', name, issuedAt, request });
    actions.push({ kind: 'recordEvent', type: 'Normal', reason: 'IssuingCertificate', message: `Issuing ${name}: ${reason}` });
    expirations[name] = goTime(validityEnd(now));
  };

  let newAuthorityKey = false;
  let newClientAuthorityKey = false;
  if (secrets.generatedCA) {
    const ca = observed[secrets.generatedCA];
    if (!ca || !ca.hasKey || needsRenewal(ca.notAfter, now)) {
      const keepKey = ca?.hasKey === true;
      issue(secrets.generatedCA, { certificate: 'authority', subject: authoritySubject(cluster), keepKey }, ca ? (keepKey ? `expires ${goTime(ca.notAfter)}` : 'its private key is missing or does not match') : 'missing');
      newAuthorityKey = secrets.generatedCA === secrets.serverCASecret && !keepKey;
      newClientAuthorityKey = secrets.generatedCA === secrets.clientCASecret && !keepKey;
    }
  }
  if (secrets.generatedServer) {
    const names = serverNames(cluster, endpointHosts);
    const problem = newAuthorityKey ? 'the CA has a new key' : serverProblem(observed[secrets.generatedServer], names, now);
    if (problem) {
      issue(secrets.generatedServer, { certificate: 'server', authority: secrets.serverCASecret, commonName: serviceNames(cluster.metadata.name).rw, names }, problem);
    }
  }
  const pooler = secretNames(cluster.metadata.name).pooler;
  if (poolerIntegration) {
    const problem = newClientAuthorityKey ? 'the client CA has a new key' : clientProblem(observed[pooler], now);
    if (problem) issue(pooler, { certificate: 'client', authority: secrets.clientCASecret, commonName: POOLER_USER }, problem);
    else expirations[pooler] = goTime((observed[pooler] as ObservedCertificate).notAfter);
  } else if (observed[pooler]) {
    actions.push({ kind: 'deleteSecret', name: pooler });
  }
  for (const name of new Set([secrets.serverCASecret, secrets.serverTLSSecret, secrets.clientCASecret])) {
    const cert = observed[name];
    if (!(name in expirations) && cert) expirations[name] = goTime(cert.notAfter);
  }

  const given = cluster.spec.certificates;
  const status: CertificatesStatus = {
    serverCASecret: secrets.serverCASecret,
    serverTLSSecret: secrets.serverTLSSecret,
    clientCASecret: secrets.clientCASecret,
    // X-replication is a password here, not CloudNativePG's client certificate, so it is not named.
    ...(given?.replicationTLSSecret ? { replicationTLSSecret: given.replicationTLSSecret } : {}),
    ...(given?.serverAltDNSNames?.length ? { serverAltDNSNames: given.serverAltDNSNames } : {}),
    expirations,
  };
  return { actions, status };
}
