// The hostile updates through the CLI and the local API: the stored object is applied for real,
// the update is refused with its message, and what `get` shows is unchanged.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { UPDATE_CORPUS, updateCases } from '../src/api/testing.js';
import { TestEnv, eventually } from './support/env.js';

const env = new TestEnv();
after(() => env.cleanup());

// Locally a Cluster may only name an installed major, and this machine has one: the downgrade case
// cannot be stored here to begin with (the API and webhook runs of the corpus cover it).
const installable = (file: string) => file !== 'cluster-major-downgrade.yaml';

for (const c of updateCases().filter((c) => installable(c.file))) {
  test(`cnpg apply: ${c.file} is refused and changes nothing`, async () => {
    const [before = '', update = ''] = readFileSync(join(UPDATE_CORPUS, c.file), 'utf8').split(/^---$/m);
    const kind = c.stored.kind.toLowerCase();
    const name = c.stored.metadata.name;
    await env.ok(['apply', '-f', '-'], before);
    // The bootstrap is fixed once the first instance exists, which the operator records in status.
    if (c.stored.kind === 'Cluster') {
      await eventually('the first instance is created', async () => ((await env.json<{ status?: { latestGeneratedNode?: number } }>(['get', kind, name])).status?.latestGeneratedNode ?? 0) > 0);
    }
    const stored = await env.json<{ spec: unknown }>(['get', kind, name]);
    const refused = await env.run(['apply', '-f', '-'], update);
    assert.notEqual(refused.code, 0, refused.stdout);
    for (const substring of c.expected) assert.ok(refused.stderr.includes(substring), `${refused.stderr}\nlacks: ${substring}`);
    // A merge patch removes a field only by naming it with null.
    const removed = Object.keys(c.stored.spec as object).filter((k) => !(k in (c.update.spec as object)));
    const patch = { spec: { ...(c.update.spec as object), ...Object.fromEntries(removed.map((k) => [k, null])) } };
    const patched = await env.run(['patch', kind, name, '--type=merge', '-p', JSON.stringify(patch)]);
    assert.notEqual(patched.code, 0, `patch accepted: ${stringify(c.update.spec)}`);
    assert.deepEqual((await env.json<{ spec: unknown }>(['get', kind, name])).spec, stored.spec);
    await env.ok(['delete', kind, name]);
    await eventually(`${kind} ${name} is gone`, async () => (await env.run(['get', kind, name])).code !== 0, 120_000);
  });
}
