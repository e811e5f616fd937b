import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from '../../api/testing.js';
import { destinationRefusal, fileDestinations } from './file-destinations.js';

const base = mkdtempSync(join(tmpdir(), 'cnpg-dest-'));
const home = join(base, 'home');
mkdirSync(join(home, 'instances', 'default', 'other', 'other-1'), { recursive: true });
mkdirSync(join(base, 'backups'));
symlinkSync(join(home, 'instances', 'default', 'other'), join(base, 'sneaky'));
test.after(() => rmSync(base, { recursive: true, force: true }));

const use = (destinationPath: string, serverName = 'mine') => ({ field: 'spec.backup.barmanObjectStore.destinationPath', destinationPath, serverName });

test('a file:// store inside CNPG_HOME is refused however it is spelled, one outside is not', () => {
  for (const refused of [
    use(`file://${home}/instances/default/other/other-1`),
    use(`file://${home}/store`),
    use(`file://${home}`),
    use(`file://${home}/not/yet/there`),
    use(`file://${base}/sneaky/other-1`),
    use(`file://${base}/backups/../home/instances`),
    use(`file://${base}`, 'home'),
  ]) {
    assert.match(destinationRefusal(home, refused) ?? '', /inside CNPG_HOME/, refused.destinationPath);
  }
  for (const fine of [use(`file://${base}/backups`), use(`file://${base}/backups/new`), use(`file://${base}`, 'homework'), use(`file://${base}`)]) {
    assert.equal(destinationRefusal(home, fine), undefined, `${fine.destinationPath} (${fine.serverName})`);
  }
});

test('the stores a Cluster uses, with their field paths and server names', () => {
  const cluster = fixture('Cluster', {
    backup: { barmanObjectStore: { destinationPath: 'file:///b' } },
    externalClusters: [{ name: 's3', barmanObjectStore: { destinationPath: 's3://x' } }, { name: 'origin', barmanObjectStore: { destinationPath: 'file:///o', serverName: 'old' } }],
  });
  assert.deepEqual(fileDestinations(cluster), [
    { field: 'spec.backup.barmanObjectStore.destinationPath', destinationPath: 'file:///b', serverName: 'pg' },
    { field: 'spec.externalClusters[1].barmanObjectStore.destinationPath', destinationPath: 'file:///o', serverName: 'old' },
  ]);
});
