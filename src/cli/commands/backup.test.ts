import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { backupObject, withBackupOptions, type BackupOptions } from './backup.js';

function parse(args: string[]): BackupOptions {
  const command = withBackupOptions(new Command('backup').exitOverride().argument('<cluster>'));
  command.parse(['pg', ...args], { from: 'user' });
  return command.opts<BackupOptions>();
}

test('the plugin\'s volume snapshot flags become the Backup\'s online and onlineConfiguration', () => {
  const now = new Date('2026-12-06T08:00:00Z');
  const spec = (args: string[]) => backupObject('pg', parse(args), now).spec as Record<string, unknown>;
  assert.deepEqual(spec(['-m', 'volumeSnapshot']), { cluster: { name: 'pg' }, method: 'volumeSnapshot' });
  assert.equal(spec(['-m', 'volumeSnapshot', '--online']).online, true);
  assert.equal(spec(['-m', 'volumeSnapshot', '--online=false']).online, false);
  assert.equal(spec(['-m', 'volumeSnapshot', '--no-online']).online, false);
  assert.deepEqual(spec(['-m', 'volumeSnapshot', '--immediate-checkpoint', '--wait-for-archive=false']).onlineConfiguration, { immediateCheckpoint: true, waitForArchive: false });
  assert.throws(() => parse(['--online=maybe']), /--online takes true or false/);
});
