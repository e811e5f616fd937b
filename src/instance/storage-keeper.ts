// The manager's share of spec.walStorage and spec.tablespaces: folders before each reconcile and
// each start, the tablespaces themselves on the primary, and what the status says of both.
import type pg from 'pg';
import type { TablespaceState } from '../api/cluster-status.js';
import type { InstanceSpec } from './spec.js';
import { ensureTablespaceFolders, prepareStorage, walAwaitsMove } from './storage.js';
import { reconcileTablespaces } from './tablespaces.js';

export interface StorageStatus {
  tablespaces?: TablespaceState[];
  /** WAL stays in PGDATA until PostgreSQL restarts; the status asks for that restart. */
  walAwaitsMove: boolean;
}

export class StorageKeeper {
  private tablespaces?: TablespaceState[];

  constructor(private readonly pgdata: string) {}

  /** A tablespace added while PostgreSQL runs needs its folder before the primary creates it, and before a standby replays that. */
  beforeReconcile(spec: InstanceSpec): void {
    ensureTablespaceFolders(spec.storage, this.pgdata);
  }

  /** PostgreSQL is stopped: WAL can move to its own folder. */
  beforeStart(spec: InstanceSpec): void {
    prepareStorage(spec.storage, this.pgdata);
  }

  async onPrimary(c: pg.ClientBase, spec: InstanceSpec): Promise<void> {
    const wanted = spec.storage?.tablespaces ?? [];
    this.tablespaces = wanted.length > 0 ? await reconcileTablespaces(c, wanted) : undefined;
  }

  status(spec: InstanceSpec): StorageStatus {
    return { ...(spec.role === 'primary' && this.tablespaces ? { tablespaces: this.tablespaces } : {}), walAwaitsMove: walAwaitsMove(spec.storage, this.pgdata) };
  }
}
