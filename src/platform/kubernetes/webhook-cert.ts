// The webhook's serving certificate, self-managed: a CA and a leaf for the webhook Service's DNS
// names, kept in a Secret so every replica serves the same one, renewed well before expiry.
// (@peculiar/x509's dependency injection needs the reflect-metadata polyfill loaded first.)
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
export const CERT_VALIDITY_DAYS = 90;
/** Renew when less than this is left, as CloudNativePG does (EXPIRING_CHECK_THRESHOLD 7 days). */
export const RENEW_BEFORE_DAYS = 7;

export interface ServingCertificate {
  caCert: string;
  cert: string;
  key: string;
  notAfter: Date;
}

async function pem(kind: 'PRIVATE KEY', key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, kind);
}

export async function issueServingCertificate(dnsNames: string[], now = new Date()): Promise<ServingCertificate> {
  const notAfter = new Date(now.getTime() + CERT_VALIDITY_DAYS * DAY_MS);
  const caKeys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=cnpg-ts webhook CA',
    notBefore: new Date(now.getTime() - 60_000),
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALGORITHM,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  const leafKeys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: `CN=${dnsNames[0] ?? 'cnpg-webhook-service'}`,
    issuer: ca.subject,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter,
    signingKey: caKeys.privateKey,
    publicKey: leafKeys.publicKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.SubjectAlternativeNameExtension(dnsNames.map((value) => (/^\d+\.\d+\.\d+\.\d+$/.test(value) ? { type: 'ip' as const, value } : { type: 'dns' as const, value }))),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    ],
  });
  return { caCert: ca.toString('pem'), cert: leaf.toString('pem'), key: await pem('PRIVATE KEY', leafKeys.privateKey), notAfter };
}

export function needsRenewal(certPem: string | undefined, now = new Date()): boolean {
  if (!certPem) return true;
  try {
    const cert = new x509.X509Certificate(certPem);
    return cert.notAfter.getTime() - now.getTime() < RENEW_BEFORE_DAYS * DAY_MS;
  } catch {
    return true;
  }
}
