import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { binDirInImage } from './pod-binaries.js';

test('the folder the operator names when the image has it, else the installation of the same major on PATH', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pod-binaries-'));
  try {
    const debian = join(dir, 'usr/lib/postgresql/16/bin');
    mkdirSync(debian, { recursive: true });
    writeFileSync(join(debian, 'postgres'), '');
    const none = () => [];
    assert.equal(binDirInImage({ binDir: debian, major: 16 }, none), debian);
    const found = () => [
      { major: 17, version: '17.2', binDir: '/usr/pgsql-17/bin' },
      { major: 16, version: '16.1', binDir: '/usr/pgsql-16/bin' },
    ];
    assert.equal(binDirInImage({ binDir: join(dir, 'missing/16/bin'), major: 16 }, found), '/usr/pgsql-16/bin');
    assert.throws(
      () => binDirInImage({ binDir: join(dir, 'missing/15/bin'), major: 15 }, found),
      /this image has no PostgreSQL 15 server .*found: 17 in \/usr\/pgsql-17\/bin, 16 in \/usr\/pgsql-16\/bin.*spec\.imageName must name an image with PostgreSQL 15/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
