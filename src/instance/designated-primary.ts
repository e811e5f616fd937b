// A replica cluster's primary: a designated primary that stays in recovery, following the source
// cluster by streaming and/or from its object store, while the cluster's standbys stream from it.
// Demoted from a primary, it publishes a promotion token (its shutdown checkpoint); promoted out
// of replica mode, it waits until it replayed exactly up to the token it was given.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { decodePromotionToken, encodePromotionToken } from '../api/promotion-token.js';
import { writeFileAtomicallySync } from '../objectstore/atomic-file.js';
import { archiveWal, openBlobStore } from '../objectstore/index.js';
import { checkPromotionToken, tokenFromControlData } from '../postgres/promotion-token.js';
import { checkpoint, isInRecovery } from '../postgres/queries.js';
import { withConnection, type SocketTarget } from './db.js';
import { externalConnection, externalConnectionDir, writeExternalConnection } from './external-connection.js';
import { log } from './log.js';
import type { InstancePaths } from './paths.js';
import type { Postmaster } from './postmaster.js';
import { promoteStandby } from './promote.js';
import { readControlData } from './run.js';
import type { Credentials, InstanceSpec, ReplicaSourceSpec } from './spec.js';
import { storeTarget } from './store-target.js';

/** Who wrote a token; CloudNativePG records its operator's version there. */
const TOKEN_AUTHOR = 'cnpg-ts';

/** The source this instance follows as a designated primary; undefined for any other instance. */
export function designatedSource(spec: Pick<InstanceSpec, 'role' | 'replicaCluster'>): ReplicaSourceSpec | undefined {
  return spec.role === 'primary' && !spec.replicaCluster?.promote ? spec.replicaCluster?.source : undefined;
}

/** Where the demoted primary keeps its token, reported in its status until it is promoted again. */
export function demotionTokenFile(paths: Pick<InstancePaths, 'root'>): string {
  return join(paths.root, 'demotion-token');
}

export function readDemotionToken(paths: Pick<InstancePaths, 'root'>): string | undefined {
  const file = demotionTokenFile(paths);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() || undefined : undefined;
}

const conninfoFile = (paths: Pick<InstancePaths, 'root'>, name: string) => join(externalConnectionDir(paths.root, name), 'conninfo');

/**
 * Writes the source's connection files (its password and PEMs, 0600) and the conninfo naming
 * them, which the configuration reads back (readSourceConninfo): the secrets stay out of instance.json.
 */
export function writeSourceConnection(spec: InstanceSpec, creds: Credentials, paths: InstancePaths): void {
  const source = designatedSource(spec);
  if (!source?.streaming) return;
  const conninfo = writeExternalConnection(paths.root, externalConnection(spec, creds, source.name), { application_name: spec.name, dbname: 'postgres' });
  writeFileAtomicallySync(conninfoFile(paths, source.name), conninfo + '\n', { mode: 0o600 });
}

export function readSourceConninfo(paths: Pick<InstancePaths, 'root'>, name: string): string | undefined {
  const file = conninfoFile(paths, name);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

/**
 * A replica cluster's primary archives what it receives and restores into its own cluster's store,
 * as CloudNativePG's does (archive_mode=always), so the replica cluster has a continuous archive of
 * its own to back up to and to be promoted with. Kept once the cluster is promoted: a primary
 * archives the same either way, and the change would ask for a restart right after the promotion.
 */
export const replicaClusterArchiveMode = { archive_mode: 'always' } as const;

/**
 * The recovery settings of a designated primary: the source's archive through restore_command
 * (`restoreCommand`, served by source-wal.ts), its stream through primary_conninfo (`conninfo`),
 * any timeline the source moves to, and the apply delay.
 */
export function designatedParameters(source: ReplicaSourceSpec, restoreCommand: string | undefined, conninfo: string | undefined): Record<string, string> {
  const params: Record<string, string> = { recovery_target_timeline: 'latest', ...replicaClusterArchiveMode };
  if (source.store && restoreCommand) params.restore_command = restoreCommand;
  if (source.streaming && conninfo) params.primary_conninfo = conninfo;
  if (source.minApplyDelaySeconds) params.recovery_min_apply_delay = `${source.minApplyDelaySeconds}s`;
  return params;
}

/** Whether a promotion out of replica mode waits (and why) or was refused: reported in the instance's status. */
export interface PromotionState {
  state: 'waiting' | 'refused';
  message: string;
}

export interface DesignatedHost {
  readonly spec: InstanceSpec;
  readonly creds: Credentials;
  readonly paths: InstancePaths;
  readonly postmaster: Postmaster;
  readonly socket: SocketTarget;
  /** Checkpoints and stops PostgreSQL cleanly, holding the manager in its demoting state meanwhile. */
  stopForDemotion(): Promise<void>;
  startPostgres(): Promise<void>;
  reconcileSoon(ms: number): void;
  showPromotion(state: PromotionState | undefined): void;
}

/**
 * `follow`: configure and run as a designated primary; `hold`: leave PostgreSQL as it is for now (a
 * promotion waiting for its token); `primary`: an ordinary primary from here on.
 */
export type ReplicaClusterMode = 'follow' | 'hold' | 'primary';

export async function reconcileReplicaCluster(host: DesignatedHost): Promise<ReplicaClusterMode> {
  const { spec, paths } = host;
  const inRecovery = host.postmaster.running ? await withConnection(host.socket, 'postgres', isInRecovery, 1000) : existsSync(join(paths.pgdata, 'standby.signal'));
  if (designatedSource(spec)) {
    if (!inRecovery && host.postmaster.running) await demote(host);
    return 'follow';
  }
  if (!inRecovery) return 'primary';
  return promoteOutOfReplicaMode(host);
}

/** The primary of a cluster turned replica: its last WAL archived, its token kept, then it follows the source. */
async function demote(host: DesignatedHost): Promise<void> {
  const { spec, paths, creds } = host;
  log('info', 'demoting to a designated primary', { source: spec.replicaCluster?.source?.name });
  await host.stopForDemotion();
  const token = tokenFromControlData(await readControlData(spec.binDir, paths.pgdata), TOKEN_AUTHOR);
  if (!token) throw new Error('PostgreSQL did not shut down cleanly while being demoted; the demotion is tried again');
  // The segment holding the shutdown checkpoint is not full, so PostgreSQL never archives it: a
  // site following this one's object store needs it to reach the token.
  if (spec.archive) {
    const store = openBlobStore(storeTarget(spec.archive, creds.stores?.archive));
    await archiveWal(store, spec.archive.serverName, join(paths.pgdata, 'pg_wal', token.redoWalFile), { compression: spec.archive.walCompression });
  }
  writeFileAtomicallySync(demotionTokenFile(paths), encodePromotionToken(token) + '\n', { mode: 0o600 });
  log('info', 'demoted: promotion token ready', { redo: token.latestCheckpointREDOLocation, timeline: token.latestCheckpointTimelineID });
}

async function promoteOutOfReplicaMode(host: DesignatedHost): Promise<ReplicaClusterMode> {
  const { spec, paths } = host;
  // Started as the standby it still is: only the token decides when it takes writes.
  if (!host.postmaster.running) await host.startPostgres();
  const text = spec.replicaCluster?.promote?.token;
  if (text) {
    const token = decodePromotionToken(text);
    if ('error' in token) {
      host.showPromotion({ state: 'refused', message: `spec.replica.promotionToken is not a promotion token: ${token.error}` });
      return 'hold';
    }
    // A restartpoint brings the control file to the last checkpoint replayed, which the token names.
    await withConnection(host.socket, 'postgres', checkpoint);
    const check = checkPromotionToken(token, await readControlData(spec.binDir, paths.pgdata));
    if (check.outcome !== 'ok') {
      host.showPromotion({ state: check.outcome === 'wait' ? 'waiting' : 'refused', message: check.message });
      if (check.outcome === 'wait') host.reconcileSoon(1000);
      log(check.outcome === 'wait' ? 'info' : 'warn', 'promotion out of replica mode held', { reason: check.message });
      return 'hold';
    }
  }
  await promoteStandby(host.socket, undefined, 0);
  rmSync(demotionTokenFile(paths), { force: true });
  host.showPromotion(undefined);
  log('info', 'promoted out of replica mode', { token: text ? 'checked' : 'none given' });
  return 'primary';
}
