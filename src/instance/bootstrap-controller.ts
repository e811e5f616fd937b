#!/usr/bin/env node
// The init container of instance and pooler Pods: `node bootstrap-controller.js <folder>` copies the
// Node.js runtime running it and the app it belongs to from the operator image into <folder>, a
// volume shared with the Pod's main container. That container then runs
// `<folder>/node <folder>/app/dist/src/instance/main.js` in an operand image holding only
// PostgreSQL, as CloudNativePG's `bootstrap-controller` copies its manager binary. See
// docs/operand-images.md.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyManager } from './manager-copy.js';

/** This file is dist/src/instance/bootstrap-controller.js: the app is three folders up. */
const APP_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function main(): void {
  const target = process.argv[2];
  if (!target || process.argv.length > 3) {
    process.stderr.write('usage: bootstrap-controller <folder>   (copies Node.js and the instance manager into <folder>)\n');
    process.exit(2);
  }
  const started = Date.now();
  let result;
  try {
    result = copyManager(target, { runtime: process.execPath, appRoot: APP_ROOT });
  } catch (e) {
    process.stderr.write(`bootstrap-controller: could not copy the manager into ${target}: ${(e as Error).message}\n`);
    process.exit(1);
  }
  process.stdout.write(
    JSON.stringify({ ts: new Date().toISOString(), level: 'info', logger: 'bootstrap-controller', msg: result.copied ? 'manager copied' : 'manager already in place', target, files: result.files, bytes: result.bytes, ms: Date.now() - started }) + '\n',
  );
}

main();
