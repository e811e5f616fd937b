// Declarative logical replication on the primary: a Publication or Subscription applied as its
// spec says, or dropped, on the operator's request (the logicalReplication route). A
// subscription's connection names 0600 files under the instance's folder (the externalClusters
// entry's password as a passfile, its client certificate and key, its CA): PostgreSQL keeps the
// connection string in pg_subscription, so no secret may be in the string itself.
import type pg from 'pg';
import {
  alterPublicationSql,
  alterSubscriptionSql,
  createPublicationSql,
  createSubscriptionSql,
  dropPublicationSql,
  dropSubscriptionSql,
  type PublicationSpec,
  type SubscriptionSpec,
} from '../postgres/logical-replication.js';
import { isInRecovery } from '../postgres/queries.js';
import { withConnection, type SocketTarget } from './db.js';
import { writeExternalConnection, type ExternalConnection } from './external-connection.js';

export interface PublicationRequest {
  kind: 'publication';
  dbname: string;
  /** Absent: drop the publication named `name`. */
  publication?: PublicationSpec;
  name: string;
}

export interface SubscriptionRequest {
  kind: 'subscription';
  dbname: string;
  name: string;
  /** Absent: drop the subscription named `name`. */
  subscription?: SubscriptionSpec & {
    /** The subscriber Cluster's externalClusters entry, with its Secrets' values. */
    source: ExternalConnection;
    /** The publisher's database; the entry's own dbname when absent. */
    publicationDBName?: string;
  };
}

export type LogicalReplicationRequest = PublicationRequest | SubscriptionRequest;

/** applied false: PostgreSQL refused, and `message` says what it said. */
export interface LogicalReplicationAnswer {
  applied: boolean;
  message?: string;
}

/** The subscription's connection string, after writing the files it names. */
export function subscriptionConninfo(instanceRoot: string, s: NonNullable<SubscriptionRequest['subscription']>): string {
  return writeExternalConnection(instanceRoot, s.source, s.publicationDBName !== undefined ? { dbname: s.publicationDBName } : {});
}

async function reconcilePublication(c: pg.ClientBase, r: PublicationRequest): Promise<void> {
  if (!r.publication) {
    await c.query(dropPublicationSql(r.name));
    return;
  }
  const exists = (await c.query('SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = $1', [r.publication.name])).rowCount === 1;
  const statements = exists ? alterPublicationSql(r.publication) : [createPublicationSql(r.publication)];
  for (const sql of statements) await c.query(sql);
}

async function reconcileSubscription(c: pg.ClientBase, r: SubscriptionRequest, instanceRoot: string, major: number): Promise<void> {
  if (!r.subscription) {
    await c.query(dropSubscriptionSql(r.name));
    return;
  }
  const conninfo = subscriptionConninfo(instanceRoot, r.subscription);
  // pg_subscription is shared by every database; a name is unique within one.
  const current = await c.query<{ conninfo: string; publications: string[] }>(
    `SELECT subconninfo AS conninfo, subpublications AS publications FROM pg_catalog.pg_subscription
      WHERE subname = $1 AND subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())`,
    [r.subscription.name],
  );
  const row = current.rows[0];
  // CREATE SUBSCRIPTION creates its slot on the publisher, which cannot happen in a transaction: each statement runs alone.
  const statements = row ? alterSubscriptionSql(r.subscription, conninfo, row, major) : [createSubscriptionSql(r.subscription, conninfo)];
  for (const sql of statements) await c.query(sql);
}

/** Applies one request over `c`, connected to the request's database on the primary. */
export function reconcileLogicalReplication(c: pg.ClientBase, r: LogicalReplicationRequest, instanceRoot: string, major: number): Promise<void> {
  return r.kind === 'publication' ? reconcilePublication(c, r) : reconcileSubscription(c, r, instanceRoot, major);
}

/** The request as the route reads it: the shape is checked here, the values were checked by the API. */
export function parseLogicalReplicationRequest(body: Record<string, unknown>): LogicalReplicationRequest {
  const { kind, dbname, name } = body;
  if (kind !== 'publication' && kind !== 'subscription') throw new Error('kind must be publication or subscription');
  if (typeof dbname !== 'string' || dbname === '') throw new Error('dbname must be a database name');
  if (typeof name !== 'string' || name === '') throw new Error(`name must be the ${kind}'s name`);
  const spec = body[kind];
  if (spec !== undefined && (typeof spec !== 'object' || spec === null)) throw new Error(`${kind} must be an object when given`);
  return body as unknown as LogicalReplicationRequest;
}

/**
 * Connects to the request's database on this primary and applies it. What PostgreSQL refuses (a
 * missing table, an unreachable publisher) is the answer, for the object's status; a primary still
 * in recovery (a replica cluster's) refuses the request.
 */
export async function applyLogicalReplication(socket: SocketTarget, instanceRoot: string, major: number, r: LogicalReplicationRequest): Promise<LogicalReplicationAnswer> {
  try {
    await withConnection(socket, r.dbname, async (c) => {
      if (await isInRecovery(c)) throw new RecoveryError('this instance is in recovery (a replica cluster is read-only)');
      await reconcileLogicalReplication(c, r, instanceRoot, major);
    });
    return { applied: true };
  } catch (e) {
    if (e instanceof RecoveryError) throw e;
    return { applied: false, message: (e as Error).message };
  }
}

class RecoveryError extends Error {}
