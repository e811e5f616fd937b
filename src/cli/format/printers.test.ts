import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../api/meta.js';
import { noResourcesMessage, printTable, type PrintTableOptions } from './printers.js';
import { cluster, misc, miscOf, pods, secret, services } from './testdata/fixtures.js';

const now = new Date('2024-01-15T14:00:00Z');
const lines = (...l: string[]): string => `${l.join('\n')}\n`;

interface Case {
  name: string;
  objects: () => KubeObject[];
  opts?: Omit<PrintTableOptions, 'now'>;
  want: string;
}

const cases: Case[] = [
  {
    name: 'Cluster',
    objects: () => [cluster()],
    want: lines(
      'NAME           AGE   INSTANCES   READY   STATUS                     PRIMARY',
      'lab-postgres   19m   3           3       Cluster in healthy state   lab-postgres-1',
    ),
  },
  {
    name: 'Cluster without status falls back to spec.instances',
    objects: () => {
      const c = cluster();
      delete c.status;
      return [c];
    },
    want: lines('NAME           AGE   INSTANCES   READY   STATUS   PRIMARY', 'lab-postgres   19m   3'),
  },
  {
    name: 'Pod: ready counts, restarts with last restart age, waiting reason',
    objects: pods,
    want: lines(
      'NAME             READY   STATUS             RESTARTS     AGE',
      'lab-postgres-1   1/1     Running            0            19m',
      'lab-postgres-2   1/1     Running            2 (5m ago)   18m',
      'lab-postgres-3   0/1     Pending            0            30s',
      'other-1          0/1     CrashLoopBackOff   7            2d4h',
    ),
  },
  {
    name: 'Pod -o wide',
    objects: () => pods().slice(0, 3),
    opts: { wide: true },
    want: lines(
      'NAME             READY   STATUS    RESTARTS     AGE   IP          NODE     ROLE      PORT     METRICS',
      'lab-postgres-1   1/1     Running   0            19m   127.0.0.1   laptop   primary   54331    54341',
      'lab-postgres-2   1/1     Running   2 (5m ago)   18m   127.0.0.1   laptop   replica   54332    54342',
      'lab-postgres-3   0/1     Pending   0            30s   <none>      <none>   replica   <none>   <none>',
    ),
  },
  {
    name: 'Pod -o wide on Kubernetes: the metrics column is the container port named metrics',
    objects: () => {
      const p = pods()[0] as KubeObject & { spec: Record<string, unknown>; status: Record<string, unknown> };
      delete p.status.local;
      p.spec.containers = [{ name: 'postgres', ports: [{ name: 'postgresql', containerPort: 5432 }, { name: 'metrics', containerPort: 9187 }] }];
      return [p];
    },
    opts: { wide: true },
    want: lines(
      'NAME             READY   STATUS    RESTARTS   AGE   IP          NODE     ROLE      PORT     METRICS',
      'lab-postgres-1   1/1     Running   0          19m   127.0.0.1   laptop   primary   <none>   9187',
    ),
  },
  {
    name: 'Pod being deleted is Terminating',
    objects: () => {
      const p = pods()[0] as KubeObject;
      p.metadata.deletionTimestamp = '2024-01-15T13:59:59Z';
      return [p];
    },
    want: lines('NAME             READY   STATUS        RESTARTS   AGE', 'lab-postgres-1   1/1     Terminating   0          19m'),
  },
  {
    name: 'Service',
    objects: services,
    want: lines(
      'NAME              TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)     AGE',
      'lab-postgres-rw   ClusterIP   127.0.0.1    <none>        54321/TCP   19m',
      'lab-postgres-ro   ClusterIP   127.0.0.1    <none>        54322/TCP   19m',
    ),
  },
  {
    name: 'Service -o wide adds the selector',
    objects: services,
    opts: { wide: true },
    want: lines(
      'NAME              TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)     AGE   SELECTOR',
      'lab-postgres-rw   ClusterIP   127.0.0.1    <none>        54321/TCP   19m   cnpg.io/cluster=lab-postgres,cnpg.io/instanceRole=primary',
      'lab-postgres-ro   ClusterIP   127.0.0.1    <none>        54322/TCP   19m   <none>',
    ),
  },
  {
    name: 'Secret',
    objects: () => [secret()],
    want: lines('NAME              TYPE                       DATA   AGE', 'my-postgres-app   kubernetes.io/basic-auth   5      18m'),
  },
  {
    name: 'Backup: empty error cell, multi-line error truncated',
    objects: () => miscOf('Backup'),
    want: lines(
      'NAME           AGE   CLUSTER        METHOD              PHASE       ERROR',
      'lab-backup-1   2m    lab-postgres   barmanObjectStore   completed',
      "lab-backup-2   60s   lab-postgres   barmanObjectStore   failed      can't upload...",
    ),
  },
  {
    name: 'ScheduledBackup: LAST BACKUP as an age',
    objects: () => miscOf('ScheduledBackup'),
    want: lines('NAME        AGE     CLUSTER        LAST BACKUP', 'lab-daily   5d14h   lab-postgres   12h'),
  },
  {
    name: 'Pooler',
    objects: () => miscOf('Pooler'),
    want: lines(
      'NAME            AGE   CLUSTER        TYPE   INSTANCES   READY   STATUS   ADDRESS',
      'lab-pooler-rw   10m   lab-postgres   rw     1           0/0              <none>',
    ),
  },
  {
    name: "Publication and Subscription: CloudNativePG's columns",
    objects: () => [
      {
        apiVersion: 'postgresql.cnpg.io/v1',
        kind: 'Subscription',
        metadata: { name: 'sub', creationTimestamp: '2024-01-15T13:50:00Z' },
        spec: { cluster: { name: 'dest' }, name: 'numbers_sub' },
        status: { applied: false, message: 'publication "p" does not exist' },
      },
    ],
    want: lines('NAME   AGE   CLUSTER   PG NAME       APPLIED   MESSAGE', 'sub    10m   dest      numbers_sub   false     publication "p" does not exist'),
  },
  { name: 'ImageCatalog', objects: () => miscOf('ImageCatalog'), want: lines('NAME         AGE', 'postgresql   24h') },
  {
    name: 'ClusterImageCatalog',
    objects: () => miscOf('ClusterImageCatalog'),
    want: lines('NAME                AGE', 'postgresql-global   31d'),
  },
  { name: 'Namespace', objects: () => miscOf('Namespace'), want: lines('NAME      STATUS   AGE', 'default   Active   61d') },
  { name: 'ConfigMap', objects: () => miscOf('ConfigMap'), want: lines('NAME             DATA   AGE', 'lab-monitoring   2      60m') },
  { name: "Database: CloudNativePG's columns", objects: () => miscOf('Database'), want: lines('NAME      AGE   CLUSTER        PG NAME   APPLIED   MESSAGE', 'lab-app   30m   lab-postgres   app') },
  { name: 'any other kind', objects: () => miscOf('Database').map((o) => ({ ...o, kind: 'FailoverQuorum' })), want: lines('NAME      AGE', 'lab-app   30m') },
  {
    name: 'mixed kinds: one table per kind, kind/name names, blank line between',
    objects: () => [...pods().slice(0, 1), ...services().slice(0, 1), cluster(), ...services().slice(1)],
    want: [
      lines('NAME                 READY   STATUS    RESTARTS   AGE', 'pod/lab-postgres-1   1/1     Running   0          19m'),
      lines(
        'NAME                      TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)     AGE',
        'service/lab-postgres-rw   ClusterIP   127.0.0.1    <none>        54321/TCP   19m',
        'service/lab-postgres-ro   ClusterIP   127.0.0.1    <none>        54322/TCP   19m',
      ),
      lines(
        'NAME                                      AGE   INSTANCES   READY   STATUS                     PRIMARY',
        'cluster.postgresql.cnpg.io/lab-postgres   19m   3           3       Cluster in healthy state   lab-postgres-1',
      ),
    ].join('\n'),
  },
  {
    name: 'showNamespace adds NAMESPACE, except for cluster-scoped kinds',
    objects: () => [...pods().slice(0, 1), ...miscOf('Namespace')],
    opts: { showNamespace: true },
    want: [
      lines('NAMESPACE   NAME                 READY   STATUS    RESTARTS   AGE', 'default     pod/lab-postgres-1   1/1     Running   0          19m'),
      lines('NAME                STATUS   AGE', 'namespace/default   Active   61d'),
    ].join('\n'),
  },
  {
    name: 'noHeaders with mixed kinds: no blank line, one alignment',
    objects: () => [...pods().slice(0, 1), ...services().slice(0, 1)],
    opts: { noHeaders: true },
    want: lines(
      'pod/lab-postgres-1        1/1         Running     0        19m',
      'service/lab-postgres-rw   ClusterIP   127.0.0.1   <none>   54321/TCP   19m',
    ),
  },
  {
    name: 'withKind qualifies a single kind',
    objects: () => [cluster()],
    opts: { withKind: true, noHeaders: true },
    want: lines('cluster.postgresql.cnpg.io/lab-postgres   19m   3     3     Cluster in healthy state   lab-postgres-1'),
  },
  { name: 'no objects print nothing', objects: () => [], want: '' },
];

describe('printTable', () => {
  for (const c of cases) {
    it(c.name, () => assert.equal(printTable(c.objects(), { now, ...c.opts }), c.want));
  }

  it('prints every fixture kind without throwing', () => {
    assert.ok(printTable(misc(), { now }).includes('NAME'));
  });
});

describe('noResourcesMessage', () => {
  const cases: Array<[string | undefined, string]> = [
    ['default', 'No resources found in default namespace.'],
    ['prod', 'No resources found in prod namespace.'],
    [undefined, 'No resources found'],
    ['', 'No resources found'],
  ];
  for (const [ns, want] of cases) {
    it(String(ns), () => assert.equal(noResourcesMessage(ns), want));
  }
});
