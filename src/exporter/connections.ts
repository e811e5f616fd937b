// The exporter's own connections: one per database, kept open between collections, as the
// unprivileged role cnpg_metrics_exporter over the instance's Unix socket (peer authentication).
// Every value comes back as PostgreSQL's text: values.ts reads it the way CloudNativePG does.
import pg from 'pg';
import { METRICS_EXPORTER_USER } from '../postgres/hba.js';

export const EXPORTER_ROLE = METRICS_EXPORTER_USER;
export const EXPORTER_APPLICATION_NAME = 'cnpg_metrics_exporter';
/** A query that runs longer than this is cancelled, so one slow query cannot stall every scrape. */
export const STATEMENT_TIMEOUT_MS = 5000;
const CONNECT_TIMEOUT_MS = 3000;

export interface ExporterSocket {
  socketDir: string;
  port: number;
}

const rawText = { getTypeParser: () => (value: string) => value };

export interface QueryOutcome {
  fields: { name: string; dataTypeID: number }[];
  rows: Record<string, string | null>[];
}

export class MetricsConnections {
  private readonly open = new Map<string, Promise<pg.Client>>();

  constructor(
    private readonly socket: () => ExporterSocket,
    private readonly statementTimeoutMs = STATEMENT_TIMEOUT_MS,
  ) {}

  private connect(database: string): Promise<pg.Client> {
    let client = this.open.get(database);
    if (!client) {
      const { socketDir, port } = this.socket();
      const c = new pg.Client({
        host: socketDir,
        port,
        user: EXPORTER_ROLE,
        database,
        application_name: EXPORTER_APPLICATION_NAME,
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        statement_timeout: this.statementTimeoutMs,
        types: rawText,
      });
      // A connection that breaks (PostgreSQL restarted) is forgotten and opened afresh next time.
      c.on('error', () => this.forget(database, client));
      c.on('end', () => this.forget(database, client));
      client = c.connect().then(() => c);
      client.catch(() => this.forget(database, client));
      this.open.set(database, client);
    }
    return client;
  }

  private forget(database: string, client: Promise<pg.Client> | undefined): void {
    if (this.open.get(database) !== client) return;
    this.open.delete(database);
    void client?.then((c) => c.end()).catch(() => undefined);
  }

  private drop(database: string): void {
    const client = this.open.get(database);
    this.open.delete(database);
    void client?.then((c) => c.end()).catch(() => undefined);
  }

  /**
   * Runs `sql` in one read-only transaction in `database`; `predicate`, when given, is asked
   * first and the statements run only if it answers true. Undefined: the predicate said no.
   */
  async readOnly(database: string, sql: string, predicate?: string): Promise<QueryOutcome | undefined> {
    const client = await this.connect(database);
    try {
      await client.query('BEGIN READ ONLY');
      await client.query('SET LOCAL search_path TO pg_catalog, public, pg_temp');
      if (predicate !== undefined) {
        const answer = await client.query<Record<string, string | null>>(predicate);
        // No row and NULL both mean no, as in CloudNativePG; more than one value is a mistake in the query.
        if (answer.rows.length > 1 || answer.fields.length !== 1) throw new Error('predicate_query must return at most one row with one boolean column');
        const first = answer.rows[0] ? Object.values(answer.rows[0])[0] : null;
        if (first !== 't' && first !== 'true') {
          await client.query('COMMIT');
          return undefined;
        }
      }
      const result = await client.query<Record<string, string | null>>(sql);
      await client.query('COMMIT');
      return { fields: result.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })), rows: result.rows };
    } catch (e) {
      await client.query('ROLLBACK').catch(() => this.drop(database));
      throw e;
    }
  }

  /** Databases accepting connections that the exporter's role may connect to. */
  async connectable(database: string): Promise<string[]> {
    const r = await this.readOnly(
      database,
      "SELECT datname FROM pg_catalog.pg_database WHERE datallowconn AND NOT datistemplate AND pg_catalog.has_database_privilege(datname, 'CONNECT') ORDER BY datname",
    );
    return (r?.rows ?? []).map((row) => row.datname!).filter(Boolean);
  }

  /**
   * Closes the connections to every database but `keep`: a connection left open in a database
   * would make a user's DROP DATABASE fail until the next collection.
   */
  async closeExcept(keep: string): Promise<void> {
    const others = [...this.open.keys()].filter((db) => db !== keep);
    const clients = others.map((db) => this.open.get(db)!);
    for (const db of others) this.open.delete(db);
    await Promise.all(clients.map((c) => c.then((x) => x.end()).catch(() => undefined)));
  }

  async close(): Promise<void> {
    const clients = [...this.open.values()];
    this.open.clear();
    await Promise.all(clients.map((c) => c.then((x) => x.end()).catch(() => undefined)));
  }
}
