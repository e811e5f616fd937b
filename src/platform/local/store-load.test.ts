import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadStore } from './store-load.js';

test('a file set aside in the same second as an earlier one does not replace it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'store-load-'));
  try {
    const folder = join(dir, 'default', 'event');
    mkdirSync(folder, { recursive: true });
    const at = new Date('2026-12-04T22:00:00Z');
    writeFileSync(join(folder, 'e.json'), '');
    assert.equal(loadStore(dir, at).setAside[0]?.movedTo, join(folder, 'e.json.corrupt-20261204T220000Z'));
    writeFileSync(join(folder, 'e.json'), '{');
    assert.equal(loadStore(dir, at).setAside[0]?.movedTo, join(folder, 'e.json.corrupt-20261204T220000Z-2'));
    assert.deepEqual(readdirSync(folder).sort(), ['e.json.corrupt-20261204T220000Z', 'e.json.corrupt-20261204T220000Z-2']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
