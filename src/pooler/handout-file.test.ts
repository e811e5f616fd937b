import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { watchHandoutFile } from './handout-file.js';

test('the file source passes each new text once, follows a replacement by rename, and reports a missing file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'handout-file-'));
  const path = join(dir, 'handout.json');
  const texts: string[] = [];
  const errors: string[] = [];
  const until = async (what: string, ok: () => boolean) => {
    for (let i = 0; i < 50 && !ok(); i++) await sleep(50);
    assert.ok(ok(), what);
  };
  const source = watchHandoutFile(path, { onText: (t) => texts.push(t), onError: (e) => errors.push(e.message) }, 200);
  try {
    await until('a missing file is reported', () => errors.length === 1);
    assert.match(errors[0]!, /handout\.json does not exist \(yet\)/);
    writeFileSync(path, 'one');
    await until('the first text', () => texts.length === 1);
    writeFileSync(`${path}.tmp`, 'two');
    renameSync(`${path}.tmp`, path);
    await until('the replacement', () => texts.length === 2);
    writeFileSync(path, 'two');
    await sleep(500);
    assert.deepEqual(texts, ['one', 'two'], 'the same text is not passed twice');
    assert.equal(errors.length, 1, 'the missing file is reported once, not at every poll');
  } finally {
    source.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
