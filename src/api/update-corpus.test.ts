// The hostile updates: each file holds the stored object, then the update that must be refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatIssue, updateIssues } from './index.js';
import { UPDATE_CORPUS, updateCases } from './testing.js';

test('every update case has an expectation', () => {
  const expected = JSON.parse(readFileSync(join(UPDATE_CORPUS, 'expected.json'), 'utf8')) as Record<string, string[]>;
  assert.deepEqual(updateCases().map((c) => c.file).sort(), Object.keys(expected).sort());
});

for (const c of updateCases()) {
  test(`${c.file}: the update is refused with its message`, () => {
    const messages = updateIssues(c.stored, c.update).map(formatIssue).join('\n');
    for (const substring of c.expected) assert.ok(messages.includes(substring), `${c.file}:\n${messages}\nmissing: ${substring}`);
  });
}
