// Access tokens for Google Cloud Storage without Google's SDK: a service account key signs a JWT
// that its token_uri exchanges (applicationCredentials), or the GKE/GCE metadata server hands out
// the token of the Pod's or machine's service account (gkeEnvironment).
import { createSign } from 'node:crypto';
import { ObjectStoreError } from './errors.js';

const SCOPE = 'https://www.googleapis.com/auth/devstorage.read_write';
const METADATA = 'http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token';

export interface GoogleToken {
  token: string;
  expiresAt: number;
}

interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  token_uri?: string;
}

/** Reads a service account key file's JSON; refuses anything else without echoing it. */
export function parseServiceAccountKey(json: string): ServiceAccountKey {
  let key: Partial<ServiceAccountKey> & { type?: string };
  try {
    key = JSON.parse(json) as typeof key;
  } catch {
    throw new ObjectStoreError('invalid', 'googleCredentials.applicationCredentials is not JSON: give the service account key file as Google Cloud produces it');
  }
  if (typeof key.client_email !== 'string' || typeof key.private_key !== 'string') {
    throw new ObjectStoreError('invalid', 'googleCredentials.applicationCredentials has no client_email and private_key: give a service account key file');
  }
  return { client_email: key.client_email, private_key: key.private_key, ...(typeof key.token_uri === 'string' ? { token_uri: key.token_uri } : {}) };
}

export async function serviceAccountToken(key: ServiceAccountKey, now = Date.now()): Promise<GoogleToken> {
  const tokenURI = key.token_uri ?? 'https://oauth2.googleapis.com/token';
  const iat = Math.floor(now / 1000);
  const encode = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ iss: key.client_email, scope: SCOPE, aud: tokenURI, iat, exp: iat + 3600 })}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(key.private_key).toString('base64url');
  const body = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: `${unsigned}.${signature}` });
  return tokenFrom(await call(tokenURI, { method: 'POST', body }, 'the service account token endpoint'), now);
}

export async function metadataServerToken(now = Date.now()): Promise<GoogleToken> {
  const res = await call(METADATA, { headers: { 'Metadata-Flavor': 'Google' }, signal: AbortSignal.timeout(3_000) }, 'the GKE metadata server (gkeEnvironment; outside GKE or GCE use applicationCredentials)');
  return tokenFrom(res, now);
}

async function tokenFrom(res: Response, now: number): Promise<GoogleToken> {
  const json = (await res.json()) as { access_token?: string; expires_in?: number };
  if (!json.access_token) throw new ObjectStoreError('access-denied', 'Google token endpoint returned no access token');
  return { token: json.access_token, expiresAt: now + (json.expires_in ?? 300) * 1000 };
}

async function call(url: string, init: RequestInit, what: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(10_000), ...init });
  } catch (err) {
    throw new ObjectStoreError('unreachable', `cannot get a Google access token: ${what} is unreachable (${(err as Error).message})`, { cause: err });
  }
  if (!res.ok) {
    await res.arrayBuffer();
    throw new ObjectStoreError('access-denied', `cannot get a Google access token: ${what} answered HTTP ${res.status}`);
  }
  return res;
}
