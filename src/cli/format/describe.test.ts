import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeObject, type EventRecord } from './describe.js';
import { smartLabel, splitCamelCase } from './describe-content.js';
import { cluster, secret } from './testdata/fixtures.js';

const now = new Date('2024-01-15T14:00:00Z');
const lines = (...l: string[]): string => `${l.join('\n')}\n`;

const event = (over: Partial<EventRecord>): EventRecord => ({
  type: 'Normal',
  reason: 'CreatingInstance',
  message: 'Primary instance (initdb)',
  firstTimestamp: '2024-01-15T13:41:05Z',
  lastTimestamp: '2024-01-15T13:41:05Z',
  count: 1,
  source: 'cloudnative-pg',
  involvedObject: { kind: 'Cluster', name: 'lab-postgres', namespace: 'default' },
  ...over,
});

const clusterBody = [
  'Name:         lab-postgres',
  'Namespace:    default',
  'Labels:       <none>',
  'Annotations:  cnpg.io/operatorVersion: 0.1.0',
  'API Version:  postgresql.cnpg.io/v1',
  'Kind:         Cluster',
  'Metadata:',
  '  Creation Timestamp:  2024-01-15T13:41:00Z',
  '  Generation:          1',
  '  Resource Version:    42',
  '  UID:                 5b0e6d7c-2f43-4a8e-9d0b-1c2d3e4f5a6b',
  'Spec:',
  '  Bootstrap:',
  '    Initdb:',
  '      Database:  testdb',
  '      Owner:     testuser',
  '  Image Name:    ghcr.io/cloudnative-pg/postgresql:16.2',
  '  Instances:     3',
  '  Postgresql:',
  '    Parameters:',
  '      max_connections:  100',
  '  Storage:',
  '    Size:  5Gi',
  'Status:',
  '  Conditions:',
  '    Last Transition Time:  2024-01-15T13:45:00Z',
  '    Message:               Cluster is Ready',
  '    Reason:                ClusterIsReady',
  '    Status:                True',
  '    Type:                  Ready',
  '  Current Primary:         lab-postgres-1',
  '  Instance Names:',
  '    lab-postgres-1',
  '    lab-postgres-2',
  '    lab-postgres-3',
  '  Instances:        3',
  '  Phase:            Cluster in healthy state',
  '  Ready Instances:  3',
  '  Target Primary:   lab-postgres-1',
];

describe('describeObject: Cluster (generic describer)', () => {
  it('without events', () => {
    assert.equal(describeObject(cluster(), [], now), lines(...clusterBody, 'Events:             <none>'));
  });

  it('with events, oldest first, repeated ones counted, others ignored', () => {
    const events = [
      event({
        type: 'Warning',
        reason: 'FailedArchive',
        message: 'archive command failed\n',
        firstTimestamp: '2024-01-15T13:42:00Z',
        lastTimestamp: '2024-01-15T13:55:00Z',
        count: 4,
        source: 'instance-manager',
      }),
      event({}),
      event({ involvedObject: { kind: 'Pod', name: 'lab-postgres-1', namespace: 'default' } }),
      event({ involvedObject: { kind: 'Cluster', name: 'other' } }),
    ];
    assert.equal(
      describeObject(cluster(), events, now),
      lines(
        ...clusterBody,
        'Events:',
        '  Type     Reason            Age               From              Message',
        '  ----     ------            ----              ----              -------',
        '  Normal   CreatingInstance  18m               cloudnative-pg    Primary instance (initdb)',
        '  Warning  FailedArchive     5m (x4 over 18m)  instance-manager  archive command failed',
      ),
    );
  });

  it('labels one per line, sorted; long annotations on their own lines', () => {
    const c = cluster();
    c.metadata.labels = { 'cnpg.io/cluster': 'lab-postgres', app: 'db' };
    c.metadata.annotations = { long: 'x'.repeat(150) };
    const out = describeObject(c, [], now);
    assert.ok(out.includes(lines('Labels:       app=db', '              cnpg.io/cluster=lab-postgres', 'Annotations:  long:', `                ${'x'.repeat(138)}...`)));
  });
});

describe('describeObject: Secret', () => {
  it('shows sizes, never values', () => {
    const out = describeObject(secret(), [event({ involvedObject: { kind: 'Secret', name: 'my-postgres-app' } })], now);
    assert.equal(
      out,
      lines(
        'Name:         my-postgres-app',
        'Namespace:    default',
        'Labels:       cnpg.io/cluster=my-postgres',
        '              cnpg.io/reload=true',
        'Annotations:  <none>',
        '',
        'Type:  kubernetes.io/basic-auth',
        '',
        'Data',
        '====',
        'dbname:    3 bytes',
        'host:      14 bytes',
        'password:  19 bytes',
        'uri:       65 bytes',
        'username:  8 bytes',
      ),
    );
    assert.ok(!out.includes('supersecurepassword'));
  });

  it('counts stringData bytes too', () => {
    const s = secret();
    delete s.data;
    s.stringData = { password: 'p'.repeat(64) };
    assert.ok(describeObject(s, [], now).endsWith('password:  64 bytes\n'));
  });
});

describe('smartLabel', () => {
  const cases: Array<[string, string]> = [
    ['apiVersion', 'API Version'],
    ['creationTimestamp', 'Creation Timestamp'],
    ['uid', 'UID'],
    ['readyInstances', 'Ready Instances'],
    ['podIP', 'Pod IP'],
    ['imageURL', 'Image URL'],
    ['max_connections', 'max_connections'],
    ['cnpg.io/cluster', 'cnpg.io/cluster'],
    ['pg15', 'pg15'],
    ['self-link', 'Self - Link'],
  ];
  for (const [field, want] of cases) {
    it(`${field} → ${want}`, () => assert.equal(smartLabel(field), want));
  }

  it('splits like fatih/camelcase', () => {
    assert.deepEqual(splitCamelCase('PDFLoader'), ['PDF', 'Loader']);
    assert.deepEqual(splitCamelCase('GL11Version'), ['GL', '11', 'Version']);
  });
});
