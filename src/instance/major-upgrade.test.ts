import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataMajor, initdbArgumentsFor, pgUpgradeReason } from './major-upgrade.js';

const control = (segment: number, checksums: number) => `pg_control version number:            1300\nBytes per WAL segment:                ${segment}\nData page checksum version:           ${checksums}\n`;

test('the new data folder gets the old one\'s WAL segment size and checksums', () => {
  assert.deepEqual(initdbArgumentsFor('/d.new', control(16777216, 1), 16), ['-D', '/d.new', '-U', 'postgres', '--auth=trust', '--wal-segsize=16', '--data-checksums']);
  assert.deepEqual(initdbArgumentsFor('/d.new', control(67108864, 0), 17).slice(-1), ['--wal-segsize=64']);
  // PostgreSQL 18's initdb turns checksums on unless told not to.
  assert.deepEqual(initdbArgumentsFor('/d.new', control(16777216, 0), 18).slice(-1), ['--no-data-checksums']);
  assert.throws(() => initdbArgumentsFor('/d.new', 'nothing', 16), /WAL segment size/);
});

test('what pg_upgrade --check refused is said in a line, with the objects its report names', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgu-'));
  try {
    const report = join(dir, 'tables_using_reg.txt');
    writeFileSync(report, 'In database: postgres\n  public.bad.p\n');
    const output = [
      'Performing Consistency Checks',
      '-----------------------------',
      'Checking cluster versions                                     ok',
      'Checking for reg* data types in user tables                   fatal',
      '',
      'Your installation contains one of the reg* data types in user tables.',
      'A list of the problem columns is in the file:',
      `    ${report}`,
      '',
      'Failure, exiting',
    ].join('\n');
    assert.equal(
      pgUpgradeReason(output),
      'Your installation contains one of the reg* data types in user tables. In database: postgres public.bad.p',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a run that fails after --check quotes the last lines of the log pg_upgrade names', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgu-'));
  try {
    const log = join(dir, 'pg_upgrade_dump_16386.log');
    writeFileSync(log, 'command: pg_restore ...\npg_restore: error: could not execute query: ERROR:  role "x" does not exist\n');
    const output = ['Restoring database schemas in the new cluster', '*failure*', '', `Consult the last few lines of "${log}" for`, 'the probable cause of the failure.', 'Failure, exiting'].join('\n');
    assert.match(pgUpgradeReason(output), /for the probable cause of the failure\. command: pg_restore \.\.\. pg_restore: error: could not execute query: ERROR: role "x" does not exist$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a data folder\'s major is its PG_VERSION', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgv-'));
  try {
    assert.equal(dataMajor(dir), undefined);
    writeFileSync(join(dir, 'PG_VERSION'), '15\n');
    assert.equal(dataMajor(dir), 15);
    mkdirSync(join(dir, 'x'));
    writeFileSync(join(dir, 'x', 'PG_VERSION'), 'garbage');
    assert.equal(dataMajor(join(dir, 'x')), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
