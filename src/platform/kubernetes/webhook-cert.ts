// The webhook's serving certificate, self-managed: a CA and a leaf for the webhook Service's DNS
// names, kept in a Secret so every replica serves the same one, renewed well before expiry.
import { certificateFacts, issueAuthority, issueLeaf, needsRenewal as expiresSoon } from '../../pki/x509.js';

export interface ServingCertificate {
  caCert: string;
  cert: string;
  key: string;
  notAfter: Date;
}

export async function issueServingCertificate(dnsNames: string[], now = new Date()): Promise<ServingCertificate> {
  const ca = await issueAuthority('CN=cnpg-ts webhook CA', now);
  const leaf = await issueLeaf({ authority: ca, commonName: dnsNames[0] ?? 'cnpg-webhook-service', names: dnsNames, usage: 'server', now });
  return { caCert: ca.cert, cert: leaf.cert, key: leaf.key, notAfter: leaf.notAfter };
}

export function needsRenewal(certPem: string | undefined, now = new Date()): boolean {
  const facts = certPem ? certificateFacts(certPem) : undefined;
  return !facts || expiresSoon(facts.notAfter, now);
}
