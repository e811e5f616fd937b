// Backup mode for a volume snapshot: the manager opens a session of its own, runs pg_backup_start
// on it (pg_start_backup before PostgreSQL 15) and HOLDS it while the platform snapshots the
// volumes, because a non-exclusive backup ends when the session that started it ends. The stop
// returns the backup_label and tablespace_map an online snapshot needs to be restored.
import { backupApi } from '../postgres/backup-api.js';
import pg from 'pg';
import { walFileName } from '../postgres/lsn.js';
import type { SocketTarget } from './db.js';

export interface SnapshotBackupStart {
  backupName: string;
  immediateCheckpoint: boolean;
}

export interface SnapshotBackupStop {
  backupName: string;
  waitForArchive: boolean;
}

export interface SnapshotBackupBegun {
  beginLSN: string;
  beginWal: string;
  timeline: number;
  startedAt: string;
}

export interface SnapshotBackupEnded {
  endLSN: string;
  endWal: string;
  timeline: number;
  backupLabel: string;
  tablespaceMap: string;
  stoppedAt: string;
}

interface Held {
  backupName: string;
  client: pg.Client;
  version: number;
  segmentSize: number;
  lost?: string;
}

async function timelineAndSegment(c: pg.Client): Promise<{ timeline: number; segmentSize: number; version: number }> {
  // A standby's current timeline is the one it replays: its last restartpoint's, or the one it receives on.
  const r = await c.query(`SELECT (SELECT timeline_id FROM pg_control_checkpoint())::int AS tli,
                                  (SELECT setting FROM pg_settings WHERE name = 'wal_segment_size')::bigint AS seg,
                                  current_setting('server_version_num')::int AS version`);
  const row = r.rows[0] as { tli: number; seg: string; version: number };
  return { timeline: row.tli, segmentSize: Number(row.seg), version: row.version };
}

/** At most one snapshot backup at a time per instance, as PostgreSQL allows one per session and we hold one session. */
export class SnapshotBackupSession {
  private held: Held | undefined;

  constructor(private readonly socket: () => SocketTarget) {}

  get backupName(): string | undefined {
    return this.held?.backupName;
  }

  async start(req: SnapshotBackupStart): Promise<SnapshotBackupBegun> {
    if (this.held) {
      if (this.held.backupName === req.backupName) throw new Error(`backup ${req.backupName} is already in backup mode on this instance`);
      throw new Error(`backup ${this.held.backupName} holds backup mode on this instance`);
    }
    const target = this.socket();
    const client = new pg.Client({ host: target.socketDir, port: target.port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 3000, application_name: 'cnpg-snapshot-backup' });
    const held: Held = { backupName: req.backupName, client, version: 0, segmentSize: 0 };
    client.on('error', (e: Error) => (held.lost = e.message));
    client.on('end', () => (held.lost ??= 'the backup session ended'));
    await client.connect();
    try {
      const facts = await timelineAndSegment(client);
      Object.assign(held, { version: facts.version, segmentSize: facts.segmentSize });
      const r = await client.query(backupApi(facts.version).start, [req.backupName, req.immediateCheckpoint]);
      const beginLSN = (r.rows[0] as { lsn: string }).lsn;
      this.held = held;
      return { beginLSN, beginWal: walFileName(facts.timeline, beginLSN, facts.segmentSize), timeline: facts.timeline, startedAt: new Date().toISOString() };
    } catch (e) {
      await client.end().catch(() => undefined);
      throw e;
    }
  }

  async stop(req: SnapshotBackupStop): Promise<SnapshotBackupEnded> {
    const held = this.held;
    if (!held || held.backupName !== req.backupName) throw new Error(`backup ${req.backupName} is not in backup mode on this instance`);
    try {
      if (held.lost) throw new Error(`the backup session was lost (${held.lost}); the snapshot cannot be used`);
      const r = await held.client.query(backupApi(held.version).stop, [req.waitForArchive]);
      const row = r.rows[0] as { lsn: string; labelfile: string; spcmapfile: string | null };
      const { timeline } = await timelineAndSegment(held.client);
      return {
        endLSN: row.lsn,
        endWal: walFileName(timeline, row.lsn, held.segmentSize),
        timeline,
        backupLabel: row.labelfile,
        tablespaceMap: row.spcmapfile ?? '',
        stoppedAt: new Date().toISOString(),
      };
    } finally {
      await this.release(held);
    }
  }

  /** Leaves backup mode without a result (a failed snapshot): closing the session aborts the backup. */
  async abort(backupName: string): Promise<void> {
    if (this.held?.backupName === backupName) await this.release(this.held);
  }

  private async release(held: Held): Promise<void> {
    if (this.held === held) this.held = undefined;
    await held.client.end().catch(() => undefined);
  }
}
