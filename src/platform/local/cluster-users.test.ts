import test from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ClusterUsers, clusterUserName } from './cluster-users.js';
import { lookupUser } from './home.js';

const asRoot = process.getuid?.() === 0;
const base = mkdtempSync(join(tmpdir(), 'cnpg-users-'));
test.after(() => rmSync(base, { recursive: true, force: true }));

test('user names are short, valid, stable, and differ between homes and clusters', () => {
  const name = clusterUserName('/var/lib/cnpg-ts', 'default', 'pg');
  assert.match(name, /^cnpg-[0-9a-f]{12}$/);
  assert.equal(clusterUserName('/var/lib/cnpg-ts', 'default', 'pg'), name);
  assert.notEqual(clusterUserName('/tmp/other-home', 'default', 'pg'), name);
  assert.notEqual(clusterUserName('/var/lib/cnpg-ts', 'default', 'pg2'), name);
  assert.notEqual(clusterUserName('/var/lib/cnpg-ts', 'default/pg', ''), clusterUserName('/var/lib/cnpg-ts', 'default', '/pg'));
});

test('without root every cluster runs as the user we are', () => {
  const users = new ClusterUsers(base, false);
  assert.equal(users.of(join(base, 'any'))?.uid, userInfo().uid);
});

test('as root a cluster gets a user of its own, recorded, and removed on release', { skip: !asRoot && 'needs root' }, async () => {
  const dir = join(base, 'instances', 'default', 'fresh');
  const users = new ClusterUsers(base, true);
  assert.equal(users.of(dir), undefined, 'no user before the first instance');
  const user = await users.ensure(dir, 'default', 'fresh');
  assert.equal(user.name, clusterUserName(base, 'default', 'fresh'));
  assert.notEqual(user.uid, 0);
  assert.equal(lookupUser(user.name)?.home, dir);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'os-user.json'), 'utf8')), { name: user.name, created: true });
  assert.equal(statSync(dir).uid, 0);
  assert.equal(statSync(dir).mode & 0o777, 0o711);
  assert.deepEqual(new ClusterUsers(base, true).of(dir), user, 'a restarted control plane finds the same user');
  assert.deepEqual(await users.ensure(dir, 'default', 'fresh'), user, 'later instances share it');
  await users.release(dir);
  assert.equal(lookupUser(user.name), undefined);
  assert.ok(!existsSync(join(dir, 'os-user.json')));
});

test('as root a cluster from before per-cluster users keeps the user owning its instances, never removed', { skip: !asRoot && 'needs root' }, async () => {
  const postgres = lookupUser('postgres');
  assert.ok(postgres, 'the postgresql package provides the postgres user');
  const dir = join(base, 'instances', 'default', 'legacy');
  mkdirSync(join(dir, 'legacy-1'), { recursive: true });
  writeFileSync(join(dir, 'legacy-1', 'platform.json'), '{}');
  chownSync(dir, postgres.uid, postgres.gid);
  chownSync(join(dir, 'legacy-1'), postgres.uid, postgres.gid);
  const users = new ClusterUsers(base, true);
  assert.equal(users.of(dir)?.name, 'postgres');
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'os-user.json'), 'utf8')), { name: 'postgres', created: false });
  assert.equal(statSync(dir).uid, 0, 'the folder above the instances becomes root\'s');
  await users.release(dir);
  assert.ok(lookupUser('postgres'), 'an adopted user is not removed');
});

test('as root a record the instances\' user could have written is not trusted', { skip: !asRoot && 'needs root' }, () => {
  const postgres = lookupUser('postgres');
  assert.ok(postgres);
  const dir = join(base, 'instances', 'default', 'forged');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'os-user.json'), JSON.stringify({ name: 'root', created: false }));
  chownSync(join(dir, 'os-user.json'), postgres.uid, postgres.gid);
  assert.throws(() => new ClusterUsers(base, true).of(dir), /not root's own file/);
});
