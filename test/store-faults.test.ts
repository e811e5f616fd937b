// The local store survives faults: an unreadable object file is moved aside (named in the log, an
// Event recorded) and the daemon starts; a write that fails is an error to `apply` and `get` still
// shows the object as it was.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestEnv } from './support/env.js';

// One home per test: the first leaves files behind that the second must not depend on.
const envs = [new TestEnv(), new TestEnv()] as const;
after(() => Promise.all(envs.map((e) => e.cleanup())));
let env = envs[0];
const store = () => join(env.home, 'store');
const configMap = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  value: "${value}"\n`;

interface Listed {
  items: Array<{ metadata: { name: string }; reason?: string; message?: string; involvedObject?: { kind: string; name: string } }>;
}

async function list(kind: string): Promise<Listed['items']> {
  const { port, token } = JSON.parse(readFileSync(join(env.home, 'operator.json'), 'utf8')) as { port: number; token: string };
  const res = await fetch(`http://127.0.0.1:${port}/list?kind=${kind}&namespace=default`, { headers: { authorization: `Bearer ${token}` } });
  return ((await res.json()) as Listed).items;
}

test('an emptied Event file and a cut-short ConfigMap file are moved aside, named in the log and in an Event, and the daemon starts', { timeout: 120_000 }, async () => {
  env = envs[0];
  await env.ok(['apply', '-f', '-'], configMap('1') + '---\n' + configMap('2').replace('settings', 'other'));
  await env.ok(['operator', 'stop']);
  const emptied = join(store(), 'default', 'event', 'settings.0123456789abcdef.json');
  mkdirSync(join(store(), 'default', 'event'), { recursive: true });
  writeFileSync(emptied, '');
  const cut = join(store(), 'default', 'configmap', 'other.json');
  writeFileSync(cut, readFileSync(cut, 'utf8').slice(0, 40));

  const got = await env.run(['get', 'configmaps']);
  assert.equal(got.code, 0, `the daemon did not start: ${got.stderr}`);
  assert.match(got.stdout, /settings/);
  assert.doesNotMatch(got.stdout, /other/);
  const log = readFileSync(join(env.home, 'operator.log'), 'utf8');
  for (const file of [emptied, cut]) {
    assert.ok(log.includes(`"file":"${file}"`), `the log names ${file}:\n${log}`);
    const aside = readdirSync(join(file, '..')).filter((f) => f.startsWith(`${file.split('/').pop()}.corrupt-`));
    assert.equal(aside.length, 1, `${file} moved aside`);
    assert.equal(existsSync(file), false);
  }
  assert.match(log, /"reason":"the file is empty"/);
  assert.match(log, /"reason":"not JSON: /);
  const events = (await list('Event')).filter((e) => e.reason === 'StoredObjectUnreadable');
  assert.deepEqual(events.map((e) => `${e.involvedObject?.kind}/${e.involvedObject?.name}`).sort(), ['ConfigMap/other', 'Event/settings.0123456789abcdef']);
  assert.ok(events.every((e) => /moved to .*\.corrupt-\d{8}T\d{6}Z and the object is not loaded/.test(e.message ?? '')));
});

test('with the store unwritable, apply fails with the reason and get still shows the object as it was', { timeout: 120_000 }, async () => {
  env = envs[1];
  await env.ok(['apply', '-f', '-'], configMap('1'));
  // A regular file where the ConfigMaps' folder is: writes into it fail, also for root.
  const folder = join(store(), 'default', 'configmap');
  renameSync(folder, `${folder}.away`);
  writeFileSync(folder, '');
  try {
    const applied = await env.run(['apply', '-f', '-'], configMap('changed'));
    assert.notEqual(applied.code, 0, `apply succeeded: ${applied.stdout}`);
    const shown = JSON.parse(await env.ok(['get', 'configmap', 'settings', '-o', 'json'])) as { data: { value: string } };
    assert.equal(shown.data.value, '1');
    assert.match(applied.stderr, /could not store ConfigMap\/settings in .*settings\.json: .*; nothing was changed/);
  } finally {
    rmSync(folder);
    renameSync(`${folder}.away`, folder);
  }
  await env.ok(['apply', '-f', '-'], configMap('changed'));
  const shown = JSON.parse(await env.ok(['get', 'configmap', 'settings', '-o', 'json'])) as { data: { value: string } };
  assert.equal(shown.data.value, 'changed');
});
