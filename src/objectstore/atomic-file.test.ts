import test from 'node:test';
import assert from 'node:assert/strict';
import fs, { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { writeFileAtomically, writeFileAtomicallySync } from './atomic-file.js';

/** Records which paths are fsynced, by wrapping FileHandle.sync for the duration of `body`. */
async function fsyncedPaths(dir: string, body: () => Promise<void>): Promise<string[]> {
  const probe = await open(join(dir, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as { sync: (this: { fd: number }) => Promise<void> };
  await probe.close();
  rmSync(join(dir, 'probe'));
  const original = proto.sync;
  const synced: string[] = [];
  proto.sync = function (this: { fd: number }) {
    synced.push(readlinkSync(`/proc/self/fd/${this.fd}`));
    return original.call(this);
  };
  try {
    await body();
  } finally {
    proto.sync = original;
  }
  return synced;
}

test('a durable write fsyncs the file before it takes its name, then the folder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
  try {
    const dest = join(dir, 'object.json');
    for (const content of ['{"a":1}\n', [Readable.from(['{"a":', '1}\n'])] as [NodeJS.ReadableStream]]) {
      const synced = await fsyncedPaths(dir, () => writeFileAtomically(dest, content, { mode: 0o600 }));
      assert.equal(synced.length, 2, synced.join(', '));
      assert.match(synced[0]!, new RegExp(`^${dest}\\.tmp-[0-9a-f]+$`), 'the temporary file, before the rename');
      assert.equal(synced[1], dir, 'the folder, after the rename');
      assert.equal(readFileSync(dest, 'utf8'), '{"a":1}\n');
    }
    assert.deepEqual(await fsyncedPaths(dir, () => writeFileAtomically(dest, 'x', { durable: false })), []);
    assert.deepEqual(readdirSync(dir), ['object.json'], 'no temporary file left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a write that fails leaves the old file and no temporary one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
  try {
    const dest = join(dir, 'object.json');
    await writeFileAtomically(dest, 'old');
    const failing = Readable.from((async function* () {
      yield 'new';
      throw new Error('disk full');
    })());
    await assert.rejects(writeFileAtomically(dest, [failing]), /disk full/);
    assert.equal(readFileSync(dest, 'utf8'), 'old');
    assert.deepEqual(readdirSync(dir), ['object.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the synchronous form fsyncs the file and the folder too', () => {
  const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
  const original = fs.fsyncSync;
  const synced: string[] = [];
  fs.fsyncSync = (fd: number) => {
    synced.push(readlinkSync(`/proc/self/fd/${fd}`));
    original(fd);
  };
  syncBuiltinESMExports();
  try {
    const dest = join(dir, 'spec.json');
    writeFileAtomicallySync(dest, '{}\n', { mode: 0o600 });
    assert.equal(synced.length, 2, synced.join(', '));
    assert.match(synced[0]!, new RegExp(`^${dest}\\.tmp-[0-9a-f]+$`));
    assert.equal(synced[1], dir);
    assert.equal(readFileSync(dest, 'utf8'), '{}\n');
    assert.equal(fs.statSync(dest).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ['spec.json']);
  } finally {
    fs.fsyncSync = original;
    syncBuiltinESMExports();
    rmSync(dir, { recursive: true, force: true });
  }
});
