import test from 'node:test';
import assert from 'node:assert/strict';
import { log, setLogLevel } from './log.js';

function written(run: () => void): string[] {
  const lines: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stdout.write;
  try {
    run();
  } finally {
    process.stdout.write = original;
  }
  return lines.map((l) => (JSON.parse(l) as { level: string }).level);
}

test('spec.logLevel: lines less severe than the level are not written; info by default', () => {
  const all = () => ['error', 'warn', 'info', 'debug'].forEach((level) => log(level as 'info', 'x'));
  setLogLevel(undefined);
  assert.deepEqual(written(all), ['error', 'warn', 'info']);
  setLogLevel('warning');
  assert.deepEqual(written(all), ['error', 'warn']);
  setLogLevel('error');
  assert.deepEqual(written(all), ['error']);
  setLogLevel('debug');
  assert.deepEqual(written(all), ['error', 'warn', 'info', 'debug']);
  setLogLevel(undefined);
});
