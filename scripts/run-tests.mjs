// Runs unit and integration tests (compiled) with node's test runner and ends with the summary line CI reads.
import { spawn } from 'node:child_process';

const dirs = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['dist/src', 'dist/test'];
const child = spawn(process.execPath, ['--test', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', '--test-reporter-destination=.test-results.tap', '--test-concurrency=3', ...dirs], {
  stdio: 'inherit',
});
child.on('exit', async (code) => {
  const { readFileSync } = await import('node:fs');
  const tap = readFileSync('.test-results.tap', 'utf8');
  const count = (k) => Number(new RegExp(`^# ${k} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
  console.log(`${count('pass')} passed, ${count('fail') + count('cancelled')} failed, ${count('skipped') + count('todo')} skipped`);
  process.exit(code ?? 1);
});
