import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../repo-root.js';
import { customResourceDefinitions } from './crd.js';
import { REGENERATE_COMMAND, renderCrdFiles } from './render.js';

const folder = join(repoRoot(), 'config', 'crd');
const expected = renderCrdFiles(customResourceDefinitions());
const stale = `config/crd is out of date with the schemas in src/api; regenerate with: ${REGENERATE_COMMAND}`;

for (const [path, content] of expected) {
  test(`config/crd/${path} matches the schemas`, () => {
    const file = join(folder, path);
    assert.ok(existsSync(file), `config/crd/${path} is missing. ${stale}`);
    assert.ok(readFileSync(file, 'utf8') === content, `config/crd/${path} differs. ${stale}`);
  });
}

test('config/crd/bases holds no CRD the generator no longer writes', () => {
  const extra = readdirSync(join(folder, 'bases')).filter((name) => !expected.has(`bases/${name}`));
  assert.deepEqual(extra, [], stale);
});

test('rendering is deterministic', () => {
  assert.deepEqual(renderCrdFiles(customResourceDefinitions()), expected);
});
