import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderClusterStatus, renderClusterStatusJson, replicationRole, type ClusterStatusReport } from './status.js';
import { healthyStatus, unreachableStatus } from './testdata/fixtures.js';

const now = new Date('2024-01-15T15:44:04Z');
const lines = (...l: string[]): string => `${l.join('\n')}\n`;

describe('renderClusterStatus', () => {
  it('a healthy 3-instance cluster', () => {
    assert.equal(
      renderClusterStatus(healthyStatus(), { verbose: 0, now }),
      lines(
        'Cluster Summary',
        'Name:                lab-postgres',
        'Namespace:           default',
        'System ID:           7324051849276645395',
        'PostgreSQL Image:    ghcr.io/cloudnative-pg/postgresql:16.2',
        'Primary instance:    lab-postgres-1',
        'Primary start time:  2024-01-15 13:41:00 +0000 UTC (uptime 2h3m4s)',
        'Status:              Cluster in healthy state',
        'Instances:           3',
        'Ready instances:     3',
        'Current Write LSN:   0/A000060 (Timeline: 1 - WAL File: 00000001000000000000000A)',
        '',
        'Continuous Backup status',
        'First Point of Recoverability:  2024-01-15T13:42:10Z',
        'Working WAL archiving:          OK',
        'WALs waiting to be archived:    0',
        'Last Archived WAL:              000000010000000000000009 @ 2024-01-15T13:46:32Z',
        'Last Failed WAL:                -',
        '',
        'Streaming Replication status',
        'Name            Sent LSN   Write LSN  Flush LSN  Replay LSN  Write Lag        Flush Lag        Replay Lag       State      Sync State  Sync Priority  Replication Slot',
        '----            --------   ---------  ---------  ----------  ---------        ---------        ----------       -----      ----------  -------------  ----------------',
        'lab-postgres-2  0/A000060  0/A000060  0/A000060  0/A000060   00:00:00.000498  00:00:00.000987  00:00:00.001003  streaming  sync        1              _cnpg_lab_postgres_2',
        'lab-postgres-3  0/A000060  0/A000060  0/A000060  0/A000060   00:00:00.000512  00:00:00.001024  00:00:00.001160  streaming  async       0              _cnpg_lab_postgres_3',
        '',
        'Instances status',
        'Name            Current LSN  Replication role  Status  Port   PID',
        '----            -----------  ----------------  ------  ----   ---',
        'lab-postgres-1  0/A000060    Primary           OK      54331  4011',
        'lab-postgres-2  0/A000060    Standby (sync)    OK      54332  4120',
        'lab-postgres-3  0/A000060    Standby (async)   OK      54333  4188',
        '',
        'Endpoints',
        'Name             Address',
        '----             -------',
        'lab-postgres-rw  127.0.0.1:54321',
        'lab-postgres-ro  127.0.0.1:54322',
        'lab-postgres-r   127.0.0.1:54323',
        '',
      ),
    );
  });

  it('a cluster with an unreachable instance, verbose', () => {
    assert.equal(
      renderClusterStatus(unreachableStatus(), { verbose: 1, now }),
      lines(
        'Cluster Summary',
        'Name:               lab-postgres',
        'Namespace:          default',
        'System ID:          7324051849276645395',
        'PostgreSQL Image:   ghcr.io/cloudnative-pg/postgresql:16.2',
        'Primary instance:   lab-postgres-1',
        'Status:             Waiting for the instances to become active Some instances are not yet active. Please wait.',
        'Instances:          3',
        'Ready instances:    2',
        'Current Write LSN:  0/3000000 (Timeline: 2 - WAL File: 000000020000000000000002)',
        '',
        'Continuous Backup status',
        'Not configured',
        '',
        'Streaming Replication status',
        'Name            Sent LSN   Write LSN  Flush LSN  Replay LSN  Write Lag  Flush Lag  Replay Lag  State      Sync State  Sync Priority  Replication Slot',
        '----            --------   ---------  ---------  ----------  ---------  ---------  ----------  -----      ----------  -------------  ----------------',
        'lab-postgres-2  0/3000000  0/3000000  0/3000000  0/3000000   -          -          -           streaming  quorum      1              -',
        '',
        'Instances status',
        'Name            Current LSN  Replication role  Status                                Port   PID   Timeline  System ID',
        '----            -----------  ----------------  ------                                ----   ---   --------  ---------',
        'lab-postgres-1  0/3000000    Primary           OK                                    54331  4011  2         7324051849276645395',
        'lab-postgres-2  0/3000000    Standby (quorum)  OK (pending restart)                  54332  4120  2         7324051849276645395',
        'lab-postgres-3  -            -                 connect ECONNREFUSED 127.0.0.1:54333  54333  -     -         -',
        '',
        'Endpoints',
        'Name             Address',
        '----             -------',
        'lab-postgres-rw  127.0.0.1:54321',
        '',
      ),
    );
  });

  const variants: Array<{ name: string; change: (r: ClusterStatusReport) => void; includes: string[]; excludes?: string[] }> = [
    {
      name: 'switchover in progress',
      change: (r) => {
        r.targetPrimary = 'lab-postgres-2';
      },
      includes: ['Cluster Summary\nSwitchover in progress\n', 'Primary instance:    lab-postgres-1 (switching to lab-postgres-2)\n'],
    },
    {
      name: 'primary initializing',
      change: (r) => {
        r.currentPrimary = '';
        r.targetPrimary = 'lab-postgres-1';
      },
      includes: ['Cluster Summary\nPrimary server is initializing\n'],
    },
    {
      name: 'no reachable primary',
      change: (r) => {
        r.instancesStatus = r.instancesStatus.filter((i) => !i.isPrimary);
      },
      includes: ['No Primary instance found\n', 'Streaming Replication status\nPrimary instance not found\n', 'Unknown'],
      excludes: ['System ID:', 'Current Write LSN:'],
    },
    {
      name: 'failing archiver',
      change: (r) => {
        const p = r.instancesStatus.find((i) => i.isPrimary);
        if (p) p.archiving = { lastArchivedWal: '000000010000000000000008', lastArchivedTime: '2024-01-15T13:40:00Z', lastFailedWal: '000000010000000000000009', lastFailedTime: '2024-01-15T13:46:00Z', readyWalFiles: 3 };
      },
      includes: ['Working WAL archiving:          Failing\n', 'WALs waiting to be archived:    3\n', 'Last Failed WAL:                000000010000000000000009 @ 2024-01-15T13:46:00Z\n'],
    },
    {
      name: 'archiver not started',
      change: (r) => {
        const p = r.instancesStatus.find((i) => i.isPrimary);
        if (p) delete p.archiving;
        r.firstRecoverabilityPoint = undefined;
      },
      includes: ['First Point of Recoverability:  Not Available\n', 'Working WAL archiving:          Starting Up\n', 'Last Archived WAL:              -\n'],
    },
    {
      name: 'single instance',
      change: (r) => {
        r.instances = 1;
      },
      includes: ['Streaming Replication status\nNot configured\n'],
    },
    {
      name: 'no standby streaming yet',
      change: (r) => {
        const p = r.instancesStatus.find((i) => i.isPrimary);
        if (p) p.replication = [];
      },
      includes: ['Streaming Replication status\nNot available yet\n'],
    },
    {
      name: 'fenced instance',
      change: (r) => {
        const s = r.instancesStatus.find((i) => i.name === 'lab-postgres-3');
        if (s) s.fenced = true;
      },
      includes: ['Fenced instances:    lab-postgres-3\n', '  Fenced  '],
    },
    {
      name: 'no endpoints',
      change: (r) => {
        r.endpoints = [];
      },
      includes: ['Endpoints\nNone\n'],
    },
    {
      name: 'what carries the local endpoints',
      change: (r) => {
        r.endpointPath = 'kernel (nftables table ip cnpg_0123456789ab), proxy holding clients while no backend';
      },
      includes: ['Endpoints\nForwarding: kernel (nftables table ip cnpg_0123456789ab), proxy holding clients while no backend\nName '],
    },
  ];
  for (const v of variants) {
    it(v.name, () => {
      const report = healthyStatus();
      v.change(report);
      const out = renderClusterStatus(report, { verbose: 0, now });
      for (const s of v.includes) assert.ok(out.includes(s), `missing ${JSON.stringify(s)} in\n${out}`);
      for (const s of v.excludes ?? []) assert.ok(!out.includes(s), `unexpected ${JSON.stringify(s)} in\n${out}`);
    });
  }

  it('the exact server version, and the build a tag resolved to when it is another', () => {
    const resolved = renderClusterStatus({ ...healthyStatus(), imageName: 'ghcr.io/cloudnative-pg/postgresql:16.1', postgresVersion: '16.13', requestedVersion: '16.1' }, { verbose: 0, now });
    assert.match(resolved, /\nPostgreSQL Image: {4}ghcr\.io\/cloudnative-pg\/postgresql:16\.1\nPostgreSQL Version: {2}16\.13 \(16\.1 → 16\.13\)\nPrimary instance:/);
    const exact = renderClusterStatus({ ...healthyStatus(), postgresVersion: '16.14', requestedVersion: '16.14' }, { verbose: 0, now });
    assert.match(exact, /\nPostgreSQL Version: {2}16\.14\n/);
  });
});

describe('renderClusterStatus: facts from the exporters', () => {
  it('database size and metrics port per instance, archiver failures of the primary; - where an exporter did not answer', () => {
    const base = healthyStatus();
    const report: ClusterStatusReport = {
      ...base,
      instancesStatus: base.instancesStatus.map((i) => {
        const n = Number(i.name.slice(-1)) - 1;
        return {
          ...i,
          metricsPort: 54341 + n,
          ...(n < 2 ? { databaseSizeBytes: 7_593_763 + n * 30_000_000, databaseSizes: { app: 7_593_763 + n * 30_000_000 } } : {}),
          ...(n === 0 ? { archiver: { archivedCount: 9, failedCount: 2, lastFailedTime: '2024-01-15T13:50:00.000Z' } } : {}),
        };
      }),
    };
    const text = renderClusterStatus(report, { verbose: 0, now });
    assert.match(text, /^Archiver failures: {14}2 \(last @ 2024-01-15T13:50:00.000Z\)$/m);
    const table = text.slice(text.indexOf('Instances status'), text.indexOf('Endpoints'));
    assert.equal(
      table,
      lines(
        'Instances status',
        'Name            Database Size  Current LSN  Replication role  Status  Port   Metrics  PID',
        '----            -------------  -----------  ----------------  ------  ----   -------  ---',
        'lab-postgres-1  7.6 MB         0/A000060    Primary           OK      54331  54341    4011',
        'lab-postgres-2  38 MB          0/A000060    Standby (sync)    OK      54332  54342    4120',
        'lab-postgres-3  -              0/A000060    Standby (async)   OK      54333  54343    4188',
        '',
      ),
    );
    assert.deepEqual((JSON.parse(renderClusterStatusJson(report)) as ClusterStatusReport).instancesStatus.find((i) => i.name === 'lab-postgres-1')?.databaseSizes, { app: 7_593_763 });
  });
});

describe('renderClusterStatus: poolers', () => {
  it('one line per pooler and one per PgBouncer, after the endpoints; none without poolers', () => {
    const report: ClusterStatusReport = {
      ...healthyStatus(),
      poolers: [
        {
          name: 'lab-pooler-rw',
          type: 'rw',
          poolMode: 'transaction',
          instances: 2,
          running: 2,
          ready: 1,
          paused: false,
          phase: 'active',
          phaseReason: '1 of 2 PgBouncer instance(s) ready with the current configuration',
          address: '127.0.0.1:6000',
          instancesStatus: [
            { name: 'lab-pooler-rw-1', ready: true, paused: false, pid: 501, metricsPort: 6101 },
            { name: 'lab-pooler-rw-2', ready: false, paused: false, metricsPort: 6102 },
          ],
        },
      ],
    };
    const out = renderClusterStatus(report, { verbose: 0, now });
    assert.ok(
      out.endsWith(
        lines(
          'Poolers',
          'Name           Type  Mode         Instances  Ready  Paused  Address         Status',
          '----           ----  ----         ---------  -----  ------  -------         ------',
          'lab-pooler-rw  rw    transaction  2/2        1      no      127.0.0.1:6000  active: 1 of 2 PgBouncer instance(s) ready with the current configuration',
          '',
          'Pooler instance  Ready  Paused  PgBouncer PID  Metrics port',
          '---------------  -----  ------  -------------  ------------',
          'lab-pooler-rw-1  yes    no      501            6101',
          'lab-pooler-rw-2  no     no      -              6102',
          '',
        ),
      ),
      out,
    );
    assert.ok(!renderClusterStatus(healthyStatus(), { verbose: 0, now }).includes('Poolers'));
  });
});

describe('replicationRole', () => {
  const report = healthyStatus();
  const primary = report.instancesStatus.find((i) => i.isPrimary);
  const base = { isPrimary: false, ready: true };
  const cases: Array<[string, Parameters<typeof replicationRole>[0], typeof primary, string]> = [
    ['primary', { ...base, name: 'lab-postgres-1', isPrimary: true }, primary, 'Primary'],
    ['sync standby', { ...base, name: 'lab-postgres-2' }, primary, 'Standby (sync)'],
    ['async standby', { ...base, name: 'lab-postgres-3' }, primary, 'Standby (async)'],
    ['standby unknown to the primary', { ...base, name: 'lab-postgres-9' }, primary, 'Unknown'],
    ['standby still starting', { ...base, name: 'lab-postgres-9', ready: false }, primary, 'Standby (starting up)'],
    ['no primary', { ...base, name: 'lab-postgres-2' }, undefined, 'Unknown'],
    ['fenced', { ...base, name: 'lab-postgres-2', fenced: true }, primary, 'Fenced'],
  ];
  for (const [name, instance, p, want] of cases) {
    it(name, () => assert.equal(replicationRole(instance, p), want));
  }
});

describe('renderClusterStatusJson', () => {
  it('round-trips the report', () => {
    const out = renderClusterStatusJson(healthyStatus());
    assert.ok(out.startsWith('{\n  "name": "lab-postgres",'));
    assert.ok(out.endsWith('}\n'));
    assert.deepEqual(JSON.parse(out), healthyStatus());
  });
});
