import test from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { VERIFY_ANNOTATION } from '../api/backup-verification.js';
import type { StoredBackup } from '../api/backup.js';
import type { KubeObject } from '../api/meta.js';
import type { DrillOrder, Platform, ResourceStore } from './platform.js';
import { BackupVerifier } from './verification-controller.js';

function fixture(drills?: (order: DrillOrder) => Promise<unknown>) {
  const objects = new Map<string, KubeObject>();
  const key = (kind: string, name: string) => `${kind}/${name}`;
  const put = (o: KubeObject) => objects.set(key(o.kind, o.metadata.name), o);
  put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's3', namespace: 'default' }, data: { ID: Buffer.from('AKID').toString('base64'), KEY: Buffer.from('s3cr3t').toString('base64') } } as KubeObject);
  put({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg', namespace: 'default' }, spec: { backup: { barmanObjectStore: { destinationPath: 's3://b/p' } } } } as KubeObject);
  const backup = {
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Backup',
    metadata: { name: 'b1', namespace: 'default', annotations: { [VERIFY_ANNOTATION]: JSON.stringify({ requestedAt: '2026-12-06T08:00:00.000Z', counts: ['public.t>=1'] }) } },
    spec: { cluster: { name: 'pg' }, method: 'barmanObjectStore' },
    status: { phase: 'completed', backupId: '20261206T075900', destinationPath: 's3://b/p', serverName: 'pg', s3Credentials: { accessKeyId: { name: 's3', key: 'ID' }, secretAccessKey: { name: 's3', key: 'KEY' } } },
  } as unknown as StoredBackup;
  put(backup as unknown as KubeObject);
  const events: string[] = [];
  const store = {
    get: async (kind: string, _ns: string | undefined, name: string) => objects.get(key(kind, name)),
    updateStatus: async (kind: string, _ns: string | undefined, name: string, status: unknown) => void put({ ...objects.get(key(kind, name))!, status } as KubeObject),
  } as unknown as ResourceStore;
  const platform = {
    store,
    events: { record: async (obj: KubeObject, type: string, reason: string, message: string) => void events.push(`${obj.kind}/${obj.metadata.name} ${type} ${reason}: ${message}`) },
    ...(drills ? { drills: { run: (_c: unknown, order: DrillOrder) => drills(order) } } : {}),
  } as unknown as Platform;
  const requeued: string[] = [];
  const verifier = new BackupVerifier(platform, (_ns, name) => void requeued.push(name));
  const current = () => objects.get(key('Backup', 'b1')) as unknown as StoredBackup;
  const settled = async () => {
    for (let i = 0; i < 100 && current().status?.verification?.phase !== 'passed' && current().status?.verification?.phase !== 'failed'; i++) await sleep(10);
    return current();
  };
  return { verifier, backup, events, requeued, current, settled };
}

test('without a drill runtime (Kubernetes so far) a requested drill is recorded as failed, saying so, with an Event on the Cluster', async () => {
  const f = fixture();
  await f.verifier.reconcile(f.backup);
  const b = await f.settled();
  assert.equal(b.status?.phase, 'completed', 'CloudNativePG\'s fields are kept');
  assert.equal(b.status?.verification?.phase, 'failed');
  assert.match(b.status?.verification?.error ?? '', /not available on this platform yet/);
  assert.match(f.events[0] ?? '', /^Cluster\/pg Warning BackupVerificationFailed: Restore drill of Backup b1 failed: restore: restore drills are not available/);
  assert.deepEqual(f.requeued, ['pg']);
});

test('a drill is ordered with the store the Backup went to, its secrets and the counts; the outcome is recorded once', async () => {
  const orders: DrillOrder[] = [];
  const f = fixture(async (order) => {
    orders.push(order);
    return { ok: true, stage: 'count', backupId: order.backupId, recoveredToLSN: '0/6000000', amcheck: { ok: true }, rows: [{ check: 'public.t>=1', rows: 3, ok: true }] };
  });
  await f.verifier.reconcile(f.backup);
  const b = await f.settled();
  assert.equal(b.status?.verification?.phase, 'passed');
  assert.equal(orders.length, 1);
  assert.deepEqual({ ...orders[0], source: undefined }, {
    backupName: 'b1',
    backupId: '20261206T075900',
    source: undefined,
    secrets: { s3: { accessKeyId: 'AKID', secretAccessKey: 's3cr3t', region: undefined, sessionToken: undefined }, endpointCA: undefined },
    major: undefined,
    defaultDatabase: 'app',
    counts: ['public.t>=1'],
    timeoutMs: 3_600_000,
  });
  assert.equal(orders[0]?.source.destinationPath, 's3://b/p');
  assert.doesNotMatch(JSON.stringify(b.status), /s3cr3t/, 'no secret in the status');
  assert.match(f.events[0] ?? '', /Normal BackupVerified: Restore drill of Backup b1 passed/);
  await f.verifier.reconcile(b);
  await sleep(50);
  assert.equal(orders.length, 1, 'an answered request is not run again');
});
