import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyTablespaceLink, otherMajorFolder, removeOtherMajors, tablespaceFolders } from './major-upgrade-tablespaces.js';

test("a tablespace subfolder is another major's by its PG_<major>_<catversion> name", () => {
  assert.equal(otherMajorFolder('PG_16_202307071', 17), true);
  assert.equal(otherMajorFolder('PG_17_202406281', 17), false);
  assert.equal(otherMajorFolder('PG_9.6_201608131', 17), true);
  assert.equal(otherMajorFolder('lost+found', 17), false);
  assert.equal(otherMajorFolder('PG_16_x', 17), false);
});

test('other majors’ subfolders go from every tablespace, found through pg_tblspc, local locations included', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tbs-upgrade-'));
  try {
    const pgdata = join(dir, 'pgdata');
    mkdirSync(join(pgdata, 'pg_tblspc'), { recursive: true });
    for (const major of ['PG_16_202307071', 'PG_17_202406281']) mkdirSync(join(dir, 'tablespaces', 'a', major, '5'), { recursive: true });
    mkdirSync(join(dir, 'elsewhere', 'PG_16_202307071'), { recursive: true });
    writeFileSync(join(dir, 'elsewhere', 'PG_16_202307071', 'f'), '');
    symlinkSync('../tablespaces', join(pgdata, 'cnpg_tablespaces'));
    symlinkSync('/proc/self/cwd/cnpg_tablespaces/a', join(pgdata, 'pg_tblspc', '16385'));
    symlinkSync(join(dir, 'elsewhere'), join(pgdata, 'pg_tblspc', '16386'));
    assert.deepEqual(tablespaceFolders(pgdata).sort(), [join(pgdata, 'cnpg_tablespaces/a'), join(dir, 'elsewhere')].sort());
    removeOtherMajors(pgdata, 16);
    assert.deepEqual(readdirSync(join(dir, 'tablespaces', 'a')), ['PG_16_202307071'], 'a failed upgrade to 17 leaves 16’s');
    assert.ok(existsSync(join(dir, 'elsewhere', 'PG_16_202307071', 'f')));
    removeOtherMajors(pgdata, 17);
    assert.deepEqual(readdirSync(join(dir, 'elsewhere')), []);
    const newdata = join(dir, 'pgdata.new');
    mkdirSync(newdata);
    copyTablespaceLink(pgdata, newdata);
    assert.equal(readlinkSync(join(newdata, 'cnpg_tablespaces')), '../tablespaces');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
