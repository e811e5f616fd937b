import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeDocuments, isOperatorRelease, readManifestSource, withNamespace } from './apply.js';

test("the operator's release manifests are recognised by their URL", () => {
  assert.equal(isOperatorRelease('https://raw.githubusercontent.com/cloudnative-pg/cloudnative-pg/release-1.25/releases/cnpg-1.25.0.yaml'), true);
  assert.equal(isOperatorRelease('https://raw.githubusercontent.com/cnpg-ts/cnpg-ts/main/releases/cnpg-ts-0.1.0.yaml'), true);
  assert.equal(isOperatorRelease('releases/cnpg-ts-0.1.0.yaml'), false);
  assert.equal(isOperatorRelease('https://example.com/cluster.yaml'), false);
});

test('-f URL reads the manifest over HTTP, and says what the server answered otherwise', async () => {
  const server = createServer((req, res) => {
    if (req.url === '/ok.yaml') res.end('kind: Secret\n');
    else res.writeHead(404, 'Not Found').end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    assert.equal(await readManifestSource(`${base}/ok.yaml`), 'kind: Secret\n');
    await assert.rejects(readManifestSource(`${base}/missing.yaml`), /unable to read URL ".*\/missing.yaml", server reported 404 Not Found, status code=404/);
  } finally {
    server.close();
  }
});

test('-n leaves YAML beyond the bounds to the operator, which says where', () => {
  const bomb = 'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n';
  assert.equal(decodeDocuments(bomb), undefined);
  assert.equal(withNamespace(bomb, 'data'), bomb);
  const deep = `x: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
  assert.equal(withNamespace(deep, 'data'), deep);
});
