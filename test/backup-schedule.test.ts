// ScheduledBackups (six-field cron, immediate, suspend, owner references) and the retention
// policy removing backups and WAL that fall out of the recovery window.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBackupInfo, renderBackupInfo } from '../src/objectstore/index.js';
import { TestEnv, eventually } from './support/env.js';
import { archiveCurrentWal, sql, status, waitReady, type BackupObject } from './support/backup.js';
import { setTimeout as sleep } from 'node:timers/promises';

const env = new TestEnv();
const storeDir = mkdtempSync(join(tmpdir(), 'cnpg-store-'));
chmodSync(storeDir, 0o777);
const DAY_MS = 86_400_000;

before(async () => {
  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: kept
spec:
  instances: 1
  storage:
    size: 1Gi
  backup:
    retentionPolicy: "30d"
    barmanObjectStore:
      destinationPath: file://${storeDir}
      data:
        compression: gzip
`);
  await waitReady(env, 'kept');
});

after(async () => {
  await env.cleanup();
  rmSync(storeDir, { recursive: true, force: true });
});

interface Listed {
  items: Array<BackupObject & { metadata: { name: string; labels?: Record<string, string>; ownerReferences?: Array<{ kind: string; name: string }> } }>;
}

async function scheduledBackups(): Promise<Listed['items']> {
  return (await env.json<Listed>(['get', 'backups', '-l', 'cnpg.io/scheduled-backup=every-minute'])).items;
}

/**
 * Moves a backup's recorded times into the past, as if it had been taken `days` ago. Runs first in
 * this file, so the catalog's order by backup ID and by time still agree.
 */
function age(backupId: string, days: number): void {
  const file = join(storeDir, 'kept', 'base', backupId, 'backup.info');
  const info = parseBackupInfo(readFileSync(file, 'utf8'), backupId);
  const shift = days * DAY_MS;
  info.beginTime = new Date(info.beginTime!.getTime() - shift);
  info.endTime = new Date(info.endTime!.getTime() - shift);
  writeFileSync(file, renderBackupInfo(info));
}

async function backup(name: string): Promise<string> {
  const out = await env.ok(['backup', 'kept', '--backup-name', name, '--wait', '--timeout', '2m'], undefined, 150_000);
  return /completed: (\S+)/.exec(out)![1]!;
}

test('retention removes backups and WAL outside the recovery window, keeping what the window needs', { timeout: 180_000 }, async () => {
  const pod = 'kept-1';
  await sql(env, pod, 'CREATE TABLE IF NOT EXISTS t (x int)');
  const oldest = await backup('oldest');
  await archiveCurrentWal(env, 'kept', pod);
  const older = await backup('older');
  await archiveCurrentWal(env, 'kept', pod);
  age(oldest, 50);
  age(older, 40);
  const olderInfo = parseBackupInfo(readFileSync(join(storeDir, 'kept', 'base', older, 'backup.info'), 'utf8'), older);
  await backup('recent');

  await eventually('the oldest backup removed', async () => !existsSync(join(storeDir, 'kept', 'base', oldest)), 30_000, 500);
  assert.ok(existsSync(join(storeDir, 'kept', 'base', older)), 'the newest backup before the window start is kept: the window needs it');
  const wals = readdirSync(join(storeDir, 'kept', 'wals', '0000000100000000')).map((f) => f.slice(0, 24));
  assert.ok(wals.length > 0);
  assert.ok(wals.every((w) => w >= olderInfo.beginWal!), `no WAL before ${olderInfo.beginWal} remains: ${wals.join(',')}`);
  const report = await eventually('first recoverability point from the kept backup', async () => {
    const s = await status(env, 'kept');
    return s.firstRecoverabilityPoint && new Date(s.firstRecoverabilityPoint).getTime() < Date.now() - 39 * DAY_MS ? s : undefined;
  }, 30_000, 500);
  assert.ok(report);
});

test('a six-field schedule takes backups, immediately first; suspend stops it; deleting it removes the Backups it owns', { timeout: 360_000 }, async () => {
  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: ScheduledBackup
metadata:
  name: every-minute
spec:
  schedule: "0 * * * * *" # once a minute is the most often a schedule may fire
  immediate: true
  backupOwnerReference: self
  cluster:
    name: kept
`);
  const done = await eventually('two completed scheduled backups', async () => {
    const items = await scheduledBackups();
    return items.filter((b) => b.status?.phase === 'completed').length >= 2 ? items : undefined;
  }, 150_000, 500);
  assert.ok(done.some((b) => b.metadata.labels?.['cnpg.io/immediateBackup'] === 'true'), 'the first one is the immediate backup');
  assert.ok(done.every((b) => /^every-minute-\d{14}$/.test(b.metadata.name)), done.map((b) => b.metadata.name).join(','));
  assert.ok(done.every((b) => b.metadata.ownerReferences?.[0]?.kind === 'ScheduledBackup'));
  const sb = await env.json<{ status?: { lastScheduleTime?: string; nextScheduleTime?: string } }>(['get', 'scheduledbackup', 'every-minute']);
  assert.ok(sb.status?.lastScheduleTime && sb.status.nextScheduleTime);

  await env.ok(['patch', 'scheduledbackup', 'every-minute', '--type', 'merge', '-p', '{"spec":{"suspend":true}}']);
  await sleep(1000);
  const count = (await scheduledBackups()).length;
  // Past the run that was due next, and a little more.
  await sleep(Math.max(0, new Date(sb.status!.nextScheduleTime!).getTime() - Date.now()) + 3000);
  assert.equal((await scheduledBackups()).length, count, 'no new backups while suspended');
  await eventually('scheduled backups finished', async () => (await scheduledBackups()).every((b) => ['completed', 'failed'].includes(b.status?.phase ?? '')), 60_000, 500);

  await env.ok(['delete', 'scheduledbackup', 'every-minute']);
  await eventually('owned Backups garbage-collected', async () => (await scheduledBackups()).length === 0, 30_000, 500);
});
