import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { GucCatalog } from '../api/guc-catalog.js';
import { findInstallations } from './binaries.js';
import { knownAnswers } from './describe-config.js';
import { describeServer } from './describe-server.js';

function nobody(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const f = readFileSync('/etc/passwd', 'utf8').split('\n').map((l) => l.split(':')).find((l) => l[0] === 'nobody');
  return f ? { uid: Number(f[2]), gid: Number(f[3]) } : undefined;
}

test('a parameter described differently from the known catalog is probed again', () => {
  const known: GucCatalog = { major: 15, version: '15.1', parameters: { work_mem: { type: 'integer', context: 'user', min: 64, max: 2147483647, unit: 'kB' }, wal_level: { type: 'enum', context: 'postmaster', values: ['minimal', 'replica', 'logical'] } } };
  const answers = knownAnswers({ work_mem: { type: 'integer', context: 'user', min: 64, max: 2147483647 }, wal_level: { type: 'enum', context: 'sighup' }, new_one: { type: 'bool', context: 'user' } }, known);
  assert.deepEqual(answers, { work_mem: { unit: 'kB' } });
});

test('the installed server described with the committed catalog equals a full probe of every parameter', async () => {
  const installation = findInstallations()[0];
  assert.ok(installation, 'a PostgreSQL installation');
  const runAs = nobody();
  const [quick, full] = await Promise.all([describeServer(installation.binDir, runAs), describeServer(installation.binDir, runAs, [])]);
  assert.deepEqual(quick, full);
});
