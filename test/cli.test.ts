// The CLI as a person meets it, without a running cluster: invalid manifests are refused with their
// message and change nothing, every seed example is accepted, and bad command lines get an
// actionable error and a non-zero exit. Each manifest of the invalid corpus is checked in-process
// (src/api/invalid-corpus.test.ts); here a few of its kinds go through the CLI end to end.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, TestEnv } from './support/env.js';

const env = new TestEnv();
const INVALID = join(REPO, 'test/fixtures/invalid');
const expected = JSON.parse(readFileSync(join(INVALID, 'expected.json'), 'utf8')) as Record<string, string[]>;

before(async () => {
  await env.ok(['apply', '-f', 'examples/app-user-secret.yaml']);
});
after(() => env.cleanup());

async function storeSnapshot(): Promise<string> {
  const kinds = ['clusters', 'secrets', 'backups', 'scheduledbackups', 'poolers', 'imagecatalogs', 'clusterimagecatalogs', 'namespaces', 'configmaps'];
  const parts = await Promise.all(kinds.map((k) => env.ok(['get', k, '-A', '-o', 'name'])));
  return parts.join('');
}

/** One of each way a manifest is wrong: a field's value, YAML itself, a document among several, a kind other than Cluster, PostgreSQL parameters. */
const END_TO_END = ['cluster-instances-zero.yaml', 'yaml-syntax-error.yaml', 'multi-document-two-bad.yaml', 'scheduled-backup-bad-cron.yaml', 'config-unknown-parameter.yaml'];

test('apply refuses invalid manifests with their message, exits non-zero and changes nothing', async () => {
  const before = await storeSnapshot();
  for (const file of END_TO_END) {
    const messages = expected[file];
    assert.ok(messages, `${file} is not in the corpus`);
    const r = await env.run(['apply', '-f', join(INVALID, file)]);
    assert.notEqual(r.code, 0, `${file} was accepted`);
    for (const m of messages) assert.ok(r.stderr.includes(m), `${file}: expected "${m}" in:\n${r.stderr}`);
  }
  assert.equal(await storeSnapshot(), before);
});

test('one bad document in a multi-document file keeps the good ones out too', async () => {
  const good = readFileSync(join(REPO, 'examples/cluster-example.yaml'), 'utf8');
  const bad = 'apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n  name: broken\nspec:\n  instances: 0\n';
  const r = await env.run(['apply', '-f', '-'], `${good}\n---\n${bad}`);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Cluster\/broken: spec\.instances: must be at least 1 \(got 0\)/);
  const clusters = await env.run(['get', 'clusters']);
  assert.match(clusters.stderr, /No resources found in default namespace/);
});

test('every seed example is accepted as written (validated, not started)', async () => {
  for (const file of readdirSync(join(REPO, 'examples')).filter((f) => f.endsWith('.yaml'))) {
    const r = await env.run(['apply', '--dry-run=client', '-f', join('examples', file)]);
    assert.equal(r.code, 0, `${file}: ${r.stderr}`);
    assert.match(r.stdout, /validated \(dry run\)/);
  }
});

test('fields a platform does not act on are named in warnings', async () => {
  const r = await env.run(['apply', '--dry-run=client', '-f', 'examples/my-postgres.yaml']);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /spec\.backup|not acted on yet/);
  assert.match(r.stderr, /Warning: Cluster\/my-postgres: spec\.monitoring\.enablePodMonitor: accepted; applies to Pods and volumes on Kubernetes, not to local instances/);
});

test('create secret generic, then read a key back as the seeds do', async () => {
  await env.ok(['create', 'secret', 'generic', 'backup-creds', '--from-literal=ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE', '--from-literal=SECRET_ACCESS_KEY=wJalr/K7MDENG']);
  const out = await env.ok(['get', 'secret', 'backup-creds', '-o', 'jsonpath={.data.SECRET_ACCESS_KEY}']);
  assert.equal(Buffer.from(out.trim(), 'base64').toString(), 'wJalr/K7MDENG');
  const again = await env.run(['create', 'secret', 'generic', 'backup-creds', '--from-literal=a=b']);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /already exists/);
  const described = await env.ok(['describe', 'secret', 'backup-creds']);
  assert.doesNotMatch(described, /wJalr/, 'describe never prints secret values');
});

test('secret files are readable by their owner only', async () => {
  const files = readdirSync(join(env.home, 'store', 'default', 'secret'));
  assert.ok(files.length > 0);
  for (const f of files) {
    const { statSync } = await import('node:fs');
    assert.equal(statSync(join(env.home, 'store', 'default', 'secret', f)).mode & 0o777, 0o600, f);
  }
});

test('bad command lines get an actionable error and a non-zero exit', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['get', 'clustres'], /doesn't have a resource type "clustres"/],
    [['get', 'clusters', '-o', 'xml'], /allowed formats are/],
    [['get', 'pods', '-l', 'a in (b'], /selector/i],
    [['get', 'cluster', 'nope'], /not found/],
    [['patch', 'cluster', 'x', '--type', 'merge', '-p', '{bad json'], /unable to parse/],
    [['patch', 'cluster', 'x', '--type', 'json', '-p', '[]'], /--type json is not supported yet/],
    [['apply', '-f', 'no-such-file.yaml'], /cannot read "no-such-file.yaml": no such file/],
    [['wait', '--for=condition=Ready', 'cluster/nope', '--timeout=1s'], /not found/],
    [['wait', '--for=ready', 'cluster/nope'], /unrecognized condition/],
    [['delete', 'cluster', 'nope'], /not found/],
    [['exec', 'nope-1', '--', 'true'], /not found/],
    [['status', 'nope'], /not found/],
    [['apply', '-n', 'other', '-f', 'examples/postgres.yaml'], /does not match the namespace "other"/],
  ];
  for (const [args, message] of cases) {
    const r = await env.run(args);
    assert.notEqual(r.code, 0, `cnpg ${args.join(' ')} succeeded`);
    assert.match(r.stderr, message, `cnpg ${args.join(' ')}`);
  }
});
