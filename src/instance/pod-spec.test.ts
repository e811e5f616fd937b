import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adoptMountedSpec } from './pod-spec.js';

function folders(t: test.TestContext): { specDir: string; target: { spec: string; credentials: string } } {
  const dir = mkdtempSync(join(tmpdir(), 'cnpg-pod-spec-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const specDir = join(dir, 'mounted');
  mkdirSync(specDir);
  return { specDir, target: { spec: join(dir, 'instance.json'), credentials: join(dir, 'credentials.json') } };
}

const spec = (generation: number) => JSON.stringify({ generation, name: 'pg-1' });

test('a stored spec left half written is replaced by the mounted one instead of failing every start', (t) => {
  const { specDir, target } = folders(t);
  writeFileSync(target.spec, '');
  writeFileSync(target.credentials, '{}');
  writeFileSync(join(specDir, 'instance.json'), spec(3));
  writeFileSync(join(specDir, 'credentials.json'), '{"superuserPassword":"x"}');
  assert.equal(adoptMountedSpec(specDir, target), true);
  assert.equal(readFileSync(target.spec, 'utf8'), spec(3));
  assert.equal(readFileSync(target.credentials, 'utf8'), '{"superuserPassword":"x"}');
});

test('a mounted spec caught mid-write is not copied and the stored one stays in use', (t) => {
  const { specDir, target } = folders(t);
  writeFileSync(target.spec, spec(2));
  writeFileSync(target.credentials, '{}');
  writeFileSync(join(specDir, 'instance.json'), spec(5).slice(0, 10));
  writeFileSync(join(specDir, 'credentials.json'), '{}');
  assert.equal(adoptMountedSpec(specDir, target), true);
  assert.equal(readFileSync(target.spec, 'utf8'), spec(2));
});

test('mounted credentials caught mid-write keep the stored pair whole', (t) => {
  const { specDir, target } = folders(t);
  writeFileSync(target.spec, spec(2));
  writeFileSync(target.credentials, '{"a":1}');
  writeFileSync(join(specDir, 'instance.json'), spec(5));
  writeFileSync(join(specDir, 'credentials.json'), '{"a":');
  assert.equal(adoptMountedSpec(specDir, target), true);
  assert.equal(readFileSync(target.spec, 'utf8'), spec(2));
  assert.equal(readFileSync(target.credentials, 'utf8'), '{"a":1}');
});

test('only a newer mounted generation replaces the stored spec', (t) => {
  const { specDir, target } = folders(t);
  writeFileSync(target.spec, spec(4));
  writeFileSync(target.credentials, '{}');
  writeFileSync(join(specDir, 'instance.json'), spec(3));
  writeFileSync(join(specDir, 'credentials.json'), '{}');
  adoptMountedSpec(specDir, target);
  assert.equal(readFileSync(target.spec, 'utf8'), spec(4));
  writeFileSync(join(specDir, 'instance.json'), spec(6));
  adoptMountedSpec(specDir, target);
  assert.equal(readFileSync(target.spec, 'utf8'), spec(6));
});

test('with nothing usable on either side the manager keeps waiting', (t) => {
  const { specDir, target } = folders(t);
  assert.equal(adoptMountedSpec(specDir, target), false);
  writeFileSync(join(specDir, 'instance.json'), '');
  writeFileSync(join(specDir, 'credentials.json'), '{}');
  assert.equal(adoptMountedSpec(specDir, target), false);
});

test('a stored pair of an earlier instance of that name (another manager token) gives way to the mounted one, whatever its generation', (t) => {
  // A volume that outlived its instance (a claim of that name made again on the same storage):
  // its stored token is not the one the operator holds, so every call would be refused for good.
  const { specDir, target } = folders(t);
  writeFileSync(target.spec, spec(7));
  writeFileSync(target.credentials, '{"managerToken":"old"}');
  writeFileSync(join(specDir, 'instance.json'), spec(7));
  writeFileSync(join(specDir, 'credentials.json'), '{"managerToken":"new"}');
  assert.equal(adoptMountedSpec(specDir, target), true);
  assert.equal(readFileSync(target.credentials, 'utf8'), '{"managerToken":"new"}');
  // The same token: the stored pair, pushed since, stays the newer one.
  writeFileSync(target.spec, spec(8));
  assert.equal(adoptMountedSpec(specDir, target), true);
  assert.equal(readFileSync(target.spec, 'utf8'), spec(8));
});
