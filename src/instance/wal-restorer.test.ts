import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { FileBlobStore } from '../objectstore/file-store.js';
import { walKey } from '../objectstore/index.js';
import { walPrefetch, WalRestorer } from './wal-restorer.js';

test('WAL prefetch: wal.maxParallel when set, else one segment per core', () => {
  assert.equal(walPrefetch({ walPrefetch: 1 }, 8), 1);
  assert.equal(walPrefetch({ walPrefetch: 6 }, 2), 6);
  assert.equal(walPrefetch({}, 2), 2);
  assert.equal(walPrefetch({}, 16), 16);
  assert.equal(walPrefetch({}, 0), 1);
});

test('asked for one segment, the restorer fetches the next ones up to its prefetch, and no further', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'restore-walprefetch-'));
  const store = new FileBlobStore(pathToFileURL(join(dir, 'store')).href);
  const names = ['000000010000000000000001', '000000010000000000000002', '000000010000000000000003', '000000010000000000000004', '000000010000000000000005'];
  for (const n of names) await store.put(walKey('pg', n), Buffer.from(`segment ${n}`));
  const spool = join(dir, 'spool');
  const restorer = new WalRestorer({ spool, store, serverName: 'pg', maxParallel: walPrefetch({}, 3), segmentSize: 16 * 1024 * 1024 });
  restorer.start();
  try {
    writeFileSync(join(spool, 'want', names[0]!), '');
    const deadline = Date.now() + 10_000;
    while (!(existsSync(join(spool, names[1]!)) && existsSync(join(spool, names[2]!))) && Date.now() < deadline) await sleep(20);
    await sleep(300);
    assert.deepEqual(
      names.map((n) => existsSync(join(spool, n))),
      [true, true, true, false, false],
    );
  } finally {
    await restorer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
