import test from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { VERIFY_ANNOTATION } from '../../api/backup-verification.js';
import type { StoredBackup } from '../../api/backup.js';
import { CliError } from '../client.js';
import { withBackupOptions } from './backup.js';
import { addVerifyCommand, verifyCommand, type VerifyApi, type VerifyOptions } from './backup-verify.js';

function program(seen: Array<{ verb: string; cluster: string; o: Record<string, unknown> }>): Command {
  const p = new Command().exitOverride();
  const backup = withBackupOptions(p.command('backup'))
    .argument('<cluster>')
    .action((cluster: string, o: Record<string, unknown>) => void seen.push({ verb: 'backup', cluster, o }));
  addVerifyCommand(backup).action((cluster: string, o: Record<string, unknown>) => void seen.push({ verb: 'verify', cluster, o }));
  return p;
}

test('`backup verify` gets its own --timeout and --backup; `backup CLUSTER` keeps its flags', async () => {
  const seen: Array<{ verb: string; cluster: string; o: Record<string, unknown> }> = [];
  await program(seen).parseAsync(['backup', 'verify', 'pg', '--timeout', '5m', '--backup', 'b1', '--count', 's.t>=1', '--count', 'a/s.t=2'], { from: 'user' });
  await program(seen).parseAsync(['backup', 'pg', '--timeout', '5m', '--backup-name', 'x'], { from: 'user' });
  assert.deepEqual(seen[0], { verb: 'verify', cluster: 'pg', o: { timeout: '5m', backup: 'b1', count: ['s.t>=1', 'a/s.t=2'], wait: true } });
  assert.equal(seen[1]?.verb, 'backup');
  assert.equal(seen[1]?.o.timeout, '5m');
  assert.equal(seen[1]?.o.backupName, 'x');
});

function fakeApi(answer: (requestedAt: string) => StoredBackup['status']): VerifyApi & { annotations: Array<[string, string]> } {
  const annotations: Array<[string, string]> = [];
  const backup: StoredBackup = {
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Backup',
    metadata: { name: 'b1', namespace: 'default' },
    spec: { cluster: { name: 'pg' }, method: 'barmanObjectStore' },
    status: { phase: 'completed', backupId: '20261206T080000', stoppedAt: '2026-12-06T08:00:00Z' },
  } as StoredBackup;
  return {
    annotations,
    getCluster: async () => ({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg' } }),
    listBackups: async () => [backup],
    getBackup: async () => {
      const request = annotations.at(-1);
      return request ? { ...backup, status: { ...backup.status, ...answer((JSON.parse(request[1]) as { requestedAt: string }).requestedAt) } } : backup;
    },
    annotateBackup: async (_ns, name, key, value) => {
      assert.equal(name, 'b1');
      annotations.push([key, value]);
    },
  };
}

const options = (o: Partial<VerifyOptions> = {}): VerifyOptions => ({ count: [], wait: true, timeout: '10s', ...o });

test('a drill is asked for with the annotation and its outcome awaited; a failure is a CliError saying what to do', async () => {
  const passing = fakeApi((requestedAt) => ({ verification: { phase: 'passed', requestedAt, amcheck: { ok: true } } }));
  await verifyCommand(passing, 'pg', options({ count: ['public.t>=1'] }));
  assert.equal(passing.annotations[0]?.[0], VERIFY_ANNOTATION);
  assert.deepEqual((JSON.parse(passing.annotations[0]![1]) as { counts: string[] }).counts, ['public.t>=1']);

  const failing = fakeApi((requestedAt) => ({ verification: { phase: 'failed', requestedAt, error: 'replay: replay stopped at 0/4000000' } }));
  await assert.rejects(verifyCommand(failing, 'pg', options()), (e: unknown) => e instanceof CliError && e.exitCode === 1 && /failed: replay: replay stopped.*\n.*run the drill again/s.test(e.message));
});

test('a bad --count is refused before anything is asked', async () => {
  const api = fakeApi(() => ({}));
  await assert.rejects(verifyCommand(api, 'pg', options({ count: ['public.t; DROP TABLE t>=1'] })), (e: unknown) => e instanceof CliError && e.exitCode === 2 && /--count: invalid row count/.test(e.message));
  assert.deepEqual(api.annotations, []);
});
