// The CLI as a person meets it, without a running cluster: every invalid manifest of the corpus is
// refused with its message and changes nothing, every seed example is accepted, and bad command
// lines get an actionable error and a non-zero exit.
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

test('the invalid corpus has at least 30 manifests, each with an expected message', () => {
  const files = readdirSync(INVALID).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 30, `only ${files.length} invalid manifests`);
  assert.deepEqual(files.sort(), Object.keys(expected).sort());
});

test('apply refuses every invalid manifest with its message, exits non-zero and changes nothing', async () => {
  const before = await storeSnapshot();
  for (const [file, messages] of Object.entries(expected)) {
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

test('fields not acted on yet are named in warnings', async () => {
  const r = await env.run(['apply', '--dry-run=client', '-f', 'examples/my-postgres.yaml']);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /spec\.backup/);
  assert.match(r.stderr, /Warning: Cluster\/my-postgres: spec\.monitoring: accepted, not acted on yet/);
});

test('a PostgreSQL major that is not installed is refused at apply, naming the installed ones', async () => {
  const r = await env.run(['apply', '-f', 'examples/platform-pg.yaml']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Cluster\/platform-pg: spec\.imageName: PostgreSQL 17 is not installed on this machine \(installed: \d+/);
  assert.equal((await env.run(['get', 'cluster', 'platform-pg', '-n', 'data'])).code, 1);
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
