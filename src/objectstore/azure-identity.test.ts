import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { azureIdentityCredential } from './azure-identity.js';

test('a workload identity exchanges its federated token for a storage token', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cnpg-azure-identity-'));
  const requests: { url: string; form: URLSearchParams }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      requests.push({ url: req.url ?? '', form: new URLSearchParams(body) });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ access_token: 'storage-token', expires_in: 600 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const address = server.address();
    await writeFile(join(dir, 'token'), 'federated-jwt\n');
    const credential = azureIdentityCredential({
      AZURE_FEDERATED_TOKEN_FILE: join(dir, 'token'),
      AZURE_CLIENT_ID: 'client-1',
      AZURE_TENANT_ID: 'tenant-1',
      AZURE_AUTHORITY_HOST: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    });
    const token = await credential.getToken('https://storage.azure.com/.default');
    assert.equal(token?.token, 'storage-token');
    assert.ok((token?.expiresOnTimestamp ?? 0) > Date.now());
    assert.equal(requests[0]?.url, '/tenant-1/oauth2/v2.0/token');
    assert.equal(requests[0]?.form.get('client_assertion'), 'federated-jwt');
    assert.equal(requests[0]?.form.get('client_id'), 'client-1');
    assert.equal(requests[0]?.form.get('scope'), 'https://storage.azure.com/.default');
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a half-configured workload identity says what is missing and what works off Azure', async () => {
  await assert.rejects(
    azureIdentityCredential({ AZURE_FEDERATED_TOKEN_FILE: '/nowhere' }).getToken('x'),
    /inheritFromAzureAD: no Azure AD identity is available here: AZURE_FEDERATED_TOKEN_FILE is set but AZURE_CLIENT_ID or AZURE_TENANT_ID is not; outside Azure use connectionString/,
  );
});
