// The layout of one instance's folder. Everything an instance owns lives under it.
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface InstancePaths {
  root: string;
  spec: string;
  credentials: string;
  pgdata: string;
  socketDir: string;
  postgresLog: string;
  managerLog: string;
  managerState: string;
  passfile: string;
  archiveScript: string;
  restoreScript: string;
  /** Markers of stored WAL, one folder per store. */
  archiveSpool: string;
  restoreSpool: string;
  /**
   * Present from a new cluster's bootstrap until its first WAL is archived or the instance runs as
   * a standby: the store must hold no other cluster's WAL.
   */
  emptyArchiveCheck: string;
  /** One JSON report per base backup this instance ran. */
  backups: string;
  /** Copies of volume snapshots the platform staged for a bootstrap from them (data, wal, tablespaces/<name>). */
  snapshotRestore: string;
  /** TLS files PostgreSQL reads; outside PGDATA, so base backups never carry the key. */
  certificates: { dir: string; cert: string; key: string; ca: string };
}

// A Unix socket path must fit in sun_path (107 bytes); deep state folders fall back to /tmp.
const SOCKET_PATH_LIMIT = 100;

export function instancePaths(root: string, pgPort?: number): InstancePaths {
  let socketDir = join(root, 'run');
  const socketFile = join(socketDir, `.s.PGSQL.${pgPort ?? 65535}`);
  if (socketFile.length > SOCKET_PATH_LIMIT) {
    socketDir = join(tmpdir(), `cnpg-${createHash('sha256').update(root).digest('hex').slice(0, 12)}`);
  }
  return {
    root,
    spec: join(root, 'instance.json'),
    credentials: join(root, 'credentials.json'),
    pgdata: join(root, 'pgdata'),
    socketDir,
    postgresLog: join(root, 'postgres.log'),
    managerLog: join(root, 'manager.log'),
    managerState: join(root, 'manager.json'),
    passfile: join(root, 'replication.pgpass'),
    archiveScript: join(root, 'wal-archive.sh'),
    restoreScript: join(root, 'wal-restore.sh'),
    archiveSpool: join(root, 'wal-archive'),
    restoreSpool: join(root, 'wal-restore'),
    emptyArchiveCheck: join(root, 'check-empty-archive'),
    backups: join(root, 'backups'),
    snapshotRestore: join(root, 'snapshot-restore'),
    certificates: {
      dir: join(root, 'certificates'),
      cert: join(root, 'certificates', 'server.crt'),
      key: join(root, 'certificates', 'server.key'),
      ca: join(root, 'certificates', 'client-ca.crt'),
    },
  };
}
