// The local control plane asks the installed server to describe its parameters, probing only what
// differs from the committed catalog of its major: the answer must equal a probe of everything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findInstallations } from '../src/postgres/binaries.js';
import { describeServer } from '../src/postgres/describe-server.js';
import { isRoot, lookupUser } from '../src/platform/local/home.js';

test('the installed server described with the committed catalog equals a full probe of every parameter', async () => {
  const installation = findInstallations()[0];
  assert.ok(installation, 'a PostgreSQL installation');
  const runAs = isRoot() ? lookupUser('nobody') : undefined;
  const [quick, full] = await Promise.all([describeServer(installation.binDir, runAs), describeServer(installation.binDir, runAs, [])]);
  assert.deepEqual(quick, full);
});
