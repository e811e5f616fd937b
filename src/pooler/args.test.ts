import test from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPgbouncer, parseManagerArgs, UsageError } from './args.js';

const base = ['--run-dir', '/run/p', '--port', '6432', '--http-port', '9127'];

test('a file source with defaults', () => {
  assert.deepEqual(parseManagerArgs([...base, '--handout-file', '/run/handout.json']), {
    runDir: '/run/p',
    port: 6432,
    listenAddr: '127.0.0.1',
    reusePort: false,
    httpPort: 9127,
    httpAddr: '127.0.0.1',
    handout: { kind: 'file', path: '/run/handout.json' },
    pgbouncer: '/usr/sbin/pgbouncer',
  });
});

test('a Secret source in a namespace, as a Pod runs it', () => {
  const args = parseManagerArgs([...base, '--listen-addr', '*', '--http-addr', '0.0.0.0', '--handout-secret', 'pooler-rw-config', '--namespace', 'prod']);
  assert.deepEqual(args.handout, { kind: 'secret', name: 'pooler-rw-config', namespace: 'prod' });
  assert.equal(args.listenAddr, '*');
});

test('usage errors name the flag and what is allowed', () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /--run-dir is required/],
    [['--run-dir', 'relative', '--port', '1', '--http-port', '2', '--handout-file', '/h'], /--run-dir "relative" must be an absolute path/],
    [[...base], /give exactly one of --handout-file and --handout-secret/],
    [[...base, '--handout-file', '/h', '--handout-secret', 's'], /give exactly one/],
    [[...base, '--handout-file', '/h', '--namespace', 'x'], /--namespace goes with --handout-secret/],
    [[...base, '--handout-secret', 'Bad_Name', '--namespace', 'x'], /--handout-secret "Bad_Name" is not a Secret name/],
    [['--run-dir', '/r', '--port', '0', '--http-port', '2', '--handout-file', '/h'], /--port "0" is not a port number \(1 to 65535\)/],
    [['--run-dir', '/r', '--port', '1', '--http-port', '2x', '--handout-file', '/h'], /--http-port "2x" is not a port number/],
    [[...base, '--handout-file', '/h', '--extra'], /Unknown option '--extra'/],
    [[...base, '--handout-file', '/h', 'positional'], /positional/],
  ];
  for (const [argv, message] of cases) assert.throws(() => parseManagerArgs(argv), (e: Error) => e instanceof UsageError && message.test(e.message), argv.join(' '));
});

test('PgBouncer is Debian’s when installed, else the first on PATH (an upstream pgbouncer image)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgbouncer-path-'));
  try {
    writeFileSync(join(dir, 'pgbouncer-debian'), '');
    const binDir = mkdtempSync(join(dir, 'bin-'));
    writeFileSync(join(binDir, 'pgbouncer'), '#!/bin/sh\n');
    chmodSync(join(binDir, 'pgbouncer'), 0o755);
    assert.equal(defaultPgbouncer(`/nonexistent:${binDir}`, join(dir, 'pgbouncer-debian')), join(dir, 'pgbouncer-debian'));
    assert.equal(defaultPgbouncer(`/nonexistent:${binDir}`, join(dir, 'no-debian')), join(binDir, 'pgbouncer'));
    assert.equal(defaultPgbouncer('/nonexistent', join(dir, 'no-debian')), join(dir, 'no-debian'), 'none found: Debian’s path, which the manager then reports missing');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
