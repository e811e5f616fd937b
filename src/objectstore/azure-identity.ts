// inheritFromAzureAD / useDefaultAzureCredentials: the token of an Azure AD identity that the Pod
// or machine already has, found as Azure's own SDKs look for one: an AKS workload identity (the
// federated token file its webhook mounts), else the managed identity of the VM or node (instance
// metadata service). Off Azure neither exists, and the first request fails saying so.
import { readFile } from 'node:fs/promises';
import { ObjectStoreError } from './errors.js';

const STORAGE_SCOPE = 'https://storage.azure.com/.default';
const IMDS = 'http://169.254.169.254/metadata/identity/oauth2/token';

export interface AzureToken {
  token: string;
  expiresOnTimestamp: number;
}

/** Structurally an @azure/core-auth TokenCredential. */
export interface AzureTokenCredential {
  getToken(scopes: string | string[]): Promise<AzureToken | null>;
}

export function azureIdentityCredential(env: NodeJS.ProcessEnv = process.env): AzureTokenCredential {
  return { getToken: () => (env.AZURE_FEDERATED_TOKEN_FILE ? workloadIdentityToken(env) : managedIdentityToken(env)) };
}

async function workloadIdentityToken(env: NodeJS.ProcessEnv): Promise<AzureToken> {
  const { AZURE_FEDERATED_TOKEN_FILE: file = '', AZURE_CLIENT_ID: clientId, AZURE_TENANT_ID: tenantId } = env;
  if (!clientId || !tenantId) throw unavailable('AZURE_FEDERATED_TOKEN_FILE is set but AZURE_CLIENT_ID or AZURE_TENANT_ID is not');
  const authority = (env.AZURE_AUTHORITY_HOST ?? 'https://login.microsoftonline.com/').replace(/\/?$/, '/');
  const assertion = (await readFile(file, 'utf8')).trim();
  const body = new URLSearchParams({
    client_id: clientId,
    scope: STORAGE_SCOPE,
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
  });
  const res = await request(`${authority}${encodeURIComponent(tenantId)}/oauth2/v2.0/token`, { method: 'POST', body }, 'the workload identity token endpoint');
  const json = (await res.json()) as { access_token?: string; expires_in?: number };
  if (!json.access_token) throw unavailable('the workload identity token endpoint returned no access token');
  return { token: json.access_token, expiresOnTimestamp: Date.now() + (json.expires_in ?? 300) * 1000 };
}

async function managedIdentityToken(env: NodeJS.ProcessEnv): Promise<AzureToken> {
  const query = new URLSearchParams({ 'api-version': '2018-02-01', resource: 'https://storage.azure.com/', ...(env.AZURE_CLIENT_ID ? { client_id: env.AZURE_CLIENT_ID } : {}) });
  const res = await request(`${IMDS}?${query}`, { headers: { Metadata: 'true' }, signal: AbortSignal.timeout(3_000) }, 'the instance metadata service (managed identity)');
  const json = (await res.json()) as { access_token?: string; expires_on?: string };
  if (!json.access_token) throw unavailable('the instance metadata service returned no access token');
  return { token: json.access_token, expiresOnTimestamp: Number(json.expires_on ?? 0) * 1000 || Date.now() + 300_000 };
}

async function request(url: string, init: RequestInit, what: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(10_000), ...init });
  } catch (err) {
    throw unavailable(`${what} is unreachable (${(err as Error).message})`, err);
  }
  if (!res.ok) {
    await res.arrayBuffer();
    throw new ObjectStoreError('access-denied', `inheritFromAzureAD: ${what} refused a token (HTTP ${res.status})`);
  }
  return res;
}

function unavailable(why: string, cause?: unknown): ObjectStoreError {
  return new ObjectStoreError(
    'access-denied',
    `inheritFromAzureAD: no Azure AD identity is available here: ${why}; outside Azure use connectionString, storageAccount with storageKey, or storageSasToken`,
    cause ? { cause } : undefined,
  );
}
