// Issue 11, findings 1 and 5, end to end: a parameter name with a newline once put PostgreSQL on
// 0.0.0.0 through postgresql.conf, and a bad value passed validation and crash-looped at the next
// start. Both are now refused at apply — by the CLI and by the local API itself when the CLI's own
// checks are bypassed — and nothing is stored or written.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestEnv } from './support/env.js';

const env = new TestEnv();

before(async () => {
  // Starts the control plane in the background, as any first apply does.
  await env.ok(['apply', '-f', 'examples/app-user-secret.yaml']);
});
after(() => env.cleanup());

function cluster(name: string, postgresql: string): string {
  return [
    'apiVersion: postgresql.cnpg.io/v1',
    'kind: Cluster',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  instances: 1',
    '  storage:',
    '    size: 1Gi',
    '  postgresql:',
    postgresql,
    '',
  ].join('\n');
}

const INJECTED_NAME = cluster('injected', `    parameters:\n      "work_mem = '4MB'\\nlisten_addresses": "*"`);
const INJECTED_VALUE = cluster('injected-value', `    parameters:\n      work_mem: "4MB'\\nlisten_addresses = '*"`);
const INJECTED_HBA = cluster('injected-hba', `    pg_hba:\n      - "host all all 10.0.0.0/8 scram-sha-256\\nhost all all all trust"`);
const BAD_VALUE = cluster('lots', `    parameters:\n      shared_buffers: "lots"`);

/** POST /apply straight to the local API with the daemon's token: the CLI's checks do not run. */
async function applyToApi(manifest: string): Promise<{ status: number; body: { error?: string } }> {
  const state = JSON.parse(readFileSync(join(env.home, 'operator.json'), 'utf8')) as { port: number; token: string };
  const res = await fetch(`http://127.0.0.1:${state.port}/apply`, {
    method: 'POST',
    headers: { authorization: `Bearer ${state.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ manifest }),
  });
  return { status: res.status, body: (await res.json()) as { error?: string } };
}

async function nothingWritten(): Promise<void> {
  assert.equal((await env.ok(['get', 'clusters', '-A', '-o', 'name'])).trim(), '');
  const instances = join(env.home, 'instances');
  assert.deepEqual(existsSync(instances) ? readdirSync(instances) : [], [], 'no instance folder, so no postgresql.conf');
}

const cases: Array<[string, string, RegExp]> = [
  ['a parameter name with a newline', INJECTED_NAME, /spec\.postgresql\.parameters\["work_mem = '4MB'\\nlisten_addresses"\]: "work_mem = '4MB'\\nlisten_addresses" is not a parameter name/],
  ['a parameter value with a newline', INJECTED_VALUE, /spec\.postgresql\.parameters\.work_mem: must not contain control characters/],
  ['a pg_hba line with a newline', INJECTED_HBA, /spec\.postgresql\.pg_hba\[0\]: contains a control character/],
  ['shared_buffers: "lots"', BAD_VALUE, /spec\.postgresql\.parameters\.shared_buffers: must be an integer with an optional unit \(B, kB, MB, GB, TB\) \(got "lots"\)/],
];

for (const [what, manifest, message] of cases) {
  test(`${what} is refused by the local API with the field path, and nothing is written`, async () => {
    const { status, body } = await applyToApi(manifest);
    assert.equal(status, 422, JSON.stringify(body));
    assert.match(body.error ?? '', message);
    assert.equal((body.error ?? '').split('\n').length, 1, 'one line per issue: the key is quoted, not copied raw');
    await nothingWritten();
  });

  test(`${what} is refused by cnpg apply, which exits non-zero`, async () => {
    const r = await env.run(['apply', '-f', '-'], manifest);
    assert.notEqual(r.code, 0, r.stdout);
    assert.match(r.stderr, message);
    await nothingWritten();
  });
}

test("the local API checks parameters against the installed server's own description", async () => {
  // io_method exists from PostgreSQL 18 on: a manifest naming no image passes the committed
  // catalogs (some supported major knows it), but this machine pins it to its installed major.
  const { status, body } = await applyToApi(cluster('newer', '    parameters:\n      io_method: worker'));
  assert.equal(status, 422, JSON.stringify(body));
  assert.match(body.error ?? '', /Cluster\/newer: spec\.postgresql\.parameters\.io_method: unknown parameter "io_method" for PostgreSQL 1[4-7]/);
  await nothingWritten();
});
