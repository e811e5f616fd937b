import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { copyManager } from './manager-copy.js';

const root = mkdtempSync(join(tmpdir(), 'manager-copy-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** An app as a development tree has it: tests in dist, a dev package, .bin links, node_modules a link. */
function sourceTree(): { runtime: string; appRoot: string } {
  const appRoot = join(root, 'app-src');
  const modules = join(root, 'shared-node_modules');
  const put = (path: string, content: string, mode = 0o644) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content, { mode });
  };
  put(join(appRoot, 'package.json'), '{"name":"app","type":"module"}');
  put(join(appRoot, 'package-lock.json'), JSON.stringify({ packages: { '': {}, 'node_modules/prod': {}, 'node_modules/devtool': { dev: true }, 'node_modules/prod/node_modules/devnested': { dev: true } } }));
  put(join(appRoot, 'dist/src/instance/main.js'), 'console.log("manager")');
  put(join(appRoot, 'dist/src/instance/main.test.js'), 'test');
  put(join(appRoot, 'dist/src/instance/main.test.js.map'), '{}');
  put(join(appRoot, 'dist/test/e2e.test.js'), 'test');
  put(join(appRoot, 'src/instance/main.ts'), 'source');
  put(join(modules, 'prod/index.js'), 'module.exports = 1');
  put(join(modules, 'prod/LICENSE'), 'MIT');
  for (const f of ['index.d.ts', 'index.js.map', 'README.md', 'src/index.ts']) put(join(modules, 'prod', f), 'for developers');
  put(join(modules, 'prod/node_modules/devnested/index.js'), 'dev');
  put(join(modules, 'prod/bin/tool'), '#!/bin/sh\n', 0o755);
  put(join(modules, 'devtool/index.js'), 'dev');
  mkdirSync(join(modules, '.bin'));
  symlinkSync('../prod/bin/tool', join(modules, '.bin/tool'));
  symlinkSync(modules, join(appRoot, 'node_modules'));
  const runtime = join(root, 'node-runtime');
  put(runtime, 'ELF', 0o755);
  return { runtime, appRoot };
}

const source = sourceTree();

test('the runtime and the production app are copied; tests, sources, dev packages and .bin links are not', () => {
  const target = join(root, 'target-1');
  const result = copyManager(target, source);
  assert.equal(result.copied, true);
  const has = (p: string) => existsSync(join(target, p));
  for (const p of ['node', 'app/package.json', 'app/dist/src/instance/main.js', 'app/node_modules/prod/index.js', 'app/node_modules/prod/LICENSE', 'app/node_modules/prod/bin/tool', '.copied']) assert.ok(has(p), `${p} copied`);
  for (const p of ['app/dist/src/instance/main.test.js', 'app/dist/src/instance/main.test.js.map', 'app/dist/test', 'app/src', 'app/node_modules/devtool', 'app/node_modules/prod/node_modules/devnested', 'app/node_modules/.bin', 'app/package-lock.json', '.staging']) {
    assert.ok(!has(p), `${p} left out`);
  }
  for (const p of ['index.d.ts', 'index.js.map', 'README.md', 'src/index.ts'].map((f) => `app/node_modules/prod/${f}`)) {
    assert.ok(!has(p), `${p} left out`);
  }
  assert.equal(statSync(join(target, 'node')).mode & 0o777, 0o555, 'the runtime stays executable, read-only');
  assert.equal(statSync(join(target, 'app/node_modules/prod/bin/tool')).mode & 0o777, 0o555);
  assert.equal(statSync(join(target, 'app/dist/src/instance/main.js')).mode & 0o777, 0o444);
  assert.equal(readFileSync(join(target, 'app/node_modules/prod/index.js'), 'utf8'), 'module.exports = 1', 'node_modules followed through its link');
  assert.equal(result.files, 6);
});

test('a complete copy of the same files is kept; a changed source is copied again', () => {
  const target = join(root, 'target-2');
  const first = copyManager(target, source);
  const again = copyManager(target, source);
  assert.deepEqual({ ...again, copied: true }, first);
  assert.equal(again.copied, false, 'nothing copied when the same files are in place');

  const main = join(source.appRoot, 'dist/src/instance/main.js');
  writeFileSync(main, 'console.log("manager v2")');
  utimesSync(main, new Date(), new Date(Date.now() + 5000));
  const changed = copyManager(target, source);
  assert.equal(changed.copied, true);
  assert.notEqual(changed.digest, first.digest);
  assert.equal(readFileSync(join(target, 'app/dist/src/instance/main.js'), 'utf8'), 'console.log("manager v2")');
});

test('a copy interrupted half way (no digest written) is removed and made whole by the next run', () => {
  const target = join(root, 'target-3');
  copyManager(target, source);
  // What a killed init container leaves: a staging folder, part of an app, no digest.
  rmSync(join(target, '.copied'));
  rmSync(join(target, 'app/node_modules'), { recursive: true });
  mkdirSync(join(target, '.staging/app'), { recursive: true });
  writeFileSync(join(target, '.staging/app/partial'), 'x');
  const result = copyManager(target, source);
  assert.equal(result.copied, true);
  assert.ok(existsSync(join(target, 'app/node_modules/prod/index.js')));
  assert.ok(!existsSync(join(target, '.staging')));
  assert.equal(readFileSync(join(target, '.copied'), 'utf8').trim(), result.digest);
});
