import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './repo-root.js';
import { ManifestError, parseManifests } from './index.js';

const corpus = join(repoRoot(), 'test', 'fixtures', 'invalid');
const expected = JSON.parse(readFileSync(join(corpus, 'expected.json'), 'utf8')) as Record<string, string[]>;
const files = readdirSync(corpus).filter((file) => file.endsWith('.yaml'));

function rejection(file: string): ManifestError {
  try {
    parseManifests(readFileSync(join(corpus, file), 'utf8'));
  } catch (error) {
    assert.ok(error instanceof ManifestError, `${file}: expected a ManifestError, got ${String(error)}`);
    return error;
  }
  assert.fail(`${file} was accepted`);
}

test('the corpus has at least 35 cases, each with an expectation', () => {
  assert.ok(files.length >= 35, `found ${files.length}`);
  assert.deepEqual([...files].sort(), Object.keys(expected).sort());
});

for (const file of files) {
  test(`${file} is rejected with its message`, () => {
    const error = rejection(file);
    for (const substring of expected[file] ?? []) assert.ok(error.message.includes(substring), `${file}:\n${error.message}\nmissing: ${substring}`);
    assert.equal(error.message.split('\n').length, error.issues.length);
  });
}

test('a multi-document file with one bad document yields no resources', () => {
  const text = readFileSync(join(corpus, 'multi-document-one-bad.yaml'), 'utf8');
  let result: unknown;
  assert.throws(() => {
    result = parseManifests(text);
  }, ManifestError);
  assert.equal(result, undefined);
});

test('issues of every document are reported together', () => {
  const error = rejection('multi-document-two-bad.yaml');
  assert.equal(error.issues.length, 3);
  assert.deepEqual(
    error.issues.map((issue) => `${issue.kind}/${issue.name}`),
    ['Cluster/second', 'Pooler/third', 'Pooler/third'],
  );
});
