import test from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePrivateDir } from './private-dir.js';

const base = mkdtempSync(join(tmpdir(), 'cnpg-private-'));
test.after(() => rmSync(base, { recursive: true, force: true }));

test('a socket folder is created private, and an open one is closed', () => {
  ensurePrivateDir(join(base, 'new'));
  assert.equal(statSync(join(base, 'new')).mode & 0o777, 0o700);
  mkdirSync(join(base, 'open'));
  chmodSync(join(base, 'open'), 0o777);
  ensurePrivateDir(join(base, 'open'));
  assert.equal(statSync(join(base, 'open')).mode & 0o777, 0o700);
});

test('a folder or link someone else put there first is refused', () => {
  symlinkSync(base, join(base, 'link'));
  assert.throws(() => ensurePrivateDir(join(base, 'link')), /is not a folder of this instance's user/);
});

test('as root, a folder another user owns is refused', { skip: process.getuid?.() !== 0 && 'needs root to give a folder away' }, () => {
  mkdirSync(join(base, 'theirs'));
  chownSync(join(base, 'theirs'), 65534, 65534);
  assert.throws(() => ensurePrivateDir(join(base, 'theirs')), /is not a folder of this instance's user/);
});
