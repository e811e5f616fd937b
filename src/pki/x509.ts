// Certificate authorities and the certificates they sign, as PEM text: what the webhook and the
// PostgreSQL clusters both need. It knows nothing of Secrets or clusters.
// (@peculiar/x509's dependency injection needs the reflect-metadata polyfill loaded first.)
import 'reflect-metadata';
import { createHash, createPrivateKey, createPublicKey, webcrypto, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
/** CloudNativePG's CERTIFICATE_DURATION. */
export const CERT_VALIDITY_DAYS = 90;
/** CloudNativePG's EXPIRING_CHECK_THRESHOLD: a certificate with less than this left is renewed. */
export const RENEW_BEFORE_DAYS = 7;
/** Clocks differ a little between the issuer and whoever checks the certificate first. */
const BACKDATE_MS = 60_000;

export interface KeyPairPem {
  cert: string;
  key: string;
  notAfter: Date;
}

export interface CertificateFacts {
  subject: string;
  notAfter: Date;
  /** DNS names and IP addresses of the subjectAltName extension. */
  names: string[];
}

export function validityEnd(now: Date): Date {
  return new Date(now.getTime() + CERT_VALIDITY_DAYS * DAY_MS);
}

export function needsRenewal(notAfter: Date, now: Date): boolean {
  return notAfter.getTime() - now.getTime() < RENEW_BEFORE_DAYS * DAY_MS;
}

async function newKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function importKeys(keyPem: string): Promise<CryptoKeyPair> {
  const pkcs8 = createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'der' });
  const spki = createPublicKey(keyPem).export({ type: 'spki', format: 'der' });
  return {
    privateKey: await webcrypto.subtle.importKey('pkcs8', pkcs8, ALGORITHM, true, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', spki, ALGORITHM, true, ['verify']),
  } as CryptoKeyPair;
}

async function keyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

/**
 * A self-signed CA. Given the key of the CA it replaces, the new one keeps that key and subject,
 * so certificates the old one signed still verify against it (renewal without reissuing).
 */
export async function issueAuthority(subject: string, now: Date, existingKeyPem?: string): Promise<KeyPairPem> {
  const keys = existingKeyPem ? await importKeys(existingKeyPem) : await newKeys();
  const notAfter = validityEnd(now);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: subject,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter,
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: ca.toString('pem'), key: await keyPem(keys.privateKey), notAfter };
}

export interface LeafRequest {
  authority: { cert: string; key: string };
  commonName: string;
  /** Host names and IP addresses the certificate is valid for. */
  names: string[];
  usage: 'server' | 'client';
  now: Date;
}

export async function issueLeaf(r: LeafRequest): Promise<KeyPairPem> {
  const ca = new x509.X509Certificate(r.authority.cert);
  const caKeys = await importKeys(r.authority.key);
  const keys = await newKeys();
  const notAfter = validityEnd(r.now);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([r.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
    await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
  ];
  if (r.names.length > 0) {
    extensions.push(new x509.SubjectAlternativeNameExtension(r.names.map((value) => ({ type: isIP(value) ? ('ip' as const) : ('dns' as const), value }))));
  }
  const leaf = await x509.X509CertificateGenerator.create({
    subject: new x509.Name([{ CN: [r.commonName] }]).toString(),
    issuer: ca.subject,
    notBefore: new Date(r.now.getTime() - BACKDATE_MS),
    notAfter,
    signingKey: caKeys.privateKey,
    publicKey: keys.publicKey,
    signingAlgorithm: ALGORITHM,
    extensions,
  });
  return { cert: leaf.toString('pem'), key: await keyPem(keys.privateKey), notAfter };
}

// The operator looks at the same few certificates on every reconcile of every Cluster; parsing and
// verifying them again each time was a third of its CPU with a thousand Clusters. The answers are
// functions of the PEM text alone.
const MEMO_LIMIT = 10_000;

function memoize<T>(compute: (...args: string[]) => T): (...args: string[]) => T {
  const memo = new Map<string, T>();
  return (...args) => {
    // A digest, so that the memo holds no private key text.
    const key = createHash('sha256').update(args.join('\0')).digest('base64');
    const known = memo.get(key);
    if (known !== undefined || memo.has(key)) return known as T;
    const value = compute(...args);
    if (memo.size >= MEMO_LIMIT) memo.delete(memo.keys().next().value as string);
    memo.set(key, value);
    return value;
  };
}

/** The facts of a PEM certificate, or undefined when it does not parse. */
export const certificateFacts: (pem: string) => CertificateFacts | undefined = memoize(parseCertificateFacts);

// Reading certificates natively (node:crypto): @peculiar/x509's ASN.1 parser in JavaScript took
// tens of milliseconds per certificate on a busy machine, time the operator's event loop could not
// answer anything else. It is used only to issue.
function parseCertificateFacts(pem: string): CertificateFacts | undefined {
  try {
    const cert = new X509Certificate(pem);
    return { subject: cert.subject.split('\n').join(', '), notAfter: new Date(cert.validTo), names: altNames(cert.subjectAltName) };
  } catch {
    return undefined;
  }
}

/**
 * DNS names and IP addresses from OpenSSL's rendering of subjectAltName ("DNS:a, IP Address:b"),
 * where a value with special characters is a JSON string and IPv6 addresses are not compressed.
 */
function altNames(rendered: string | undefined): string[] {
  const names: string[] = [];
  const entry = /([^:,]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/y;
  for (let m = entry.exec(rendered ?? ''); m && m[0] !== ''; m = entry.exec(rendered ?? '')) {
    const [, type, raw = ''] = m;
    const value = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    if (type === 'DNS') names.push(value);
    if (type === 'IP Address') names.push(isIP(value) === 6 ? new URL(`http://[${value}]`).hostname.slice(1, -1) : value);
  }
  return names;
}

/** Whether `certPem` was signed by the key of `caPem` under its name. */
export const isIssuedBy: (certPem: string, caPem: string) => Promise<boolean> = memoize(verifyIssuer);

async function verifyIssuer(certPem: string, caPem: string): Promise<boolean> {
  try {
    const cert = new X509Certificate(certPem);
    const ca = new X509Certificate(caPem);
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}

/** Whether a private key (PEM) belongs to a certificate (PEM). */
export const keyMatches: (certPem: string, keyPem: string) => boolean = memoize(publicKeysEqual);

function publicKeysEqual(certPem: string, keyPem: string): boolean {
  try {
    return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}
