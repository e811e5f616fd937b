// PgBouncer's SHOW LISTS, SHOW POOLS and SHOW STATS as Prometheus metrics under CloudNativePG's
// names (its pgbouncer metrics server), so its dashboards and alerts work unchanged. Columns are
// read by name, not position: PgBouncer adds columns between versions, and a metric whose column
// this PgBouncer lacks reads 0, as CloudNativePG's does.
import { Counter, Gauge, Registry } from 'prom-client';
import type { ConsoleCommand, ConsoleRows } from './console.js';

const PREFIX = 'cnpg_pgbouncer';

/** SHOW LISTS rows; an item this PgBouncer does not list reads -1, as in CloudNativePG. */
const LISTS: Record<string, string> = {
  databases: 'Count of databases.',
  users: 'Count of users.',
  pools: 'Count of pools.',
  free_clients: 'Count of free clients.',
  used_clients: 'Count of used clients.',
  login_clients: 'Count of clients in login state.',
  free_servers: 'Count of free servers.',
  used_servers: 'Count of used servers.',
  dns_names: 'Count of DNS names in the cache.',
  dns_zones: 'Count of DNS zones in the cache.',
  dns_queries: 'Count of in-flight DNS queries.',
  dns_pending: 'Not used.',
};

/** SHOW POOLS: metric name, the column it comes from, help. */
const POOLS: Array<[string, string, string]> = [
  ['cl_active', 'cl_active', 'Client connections that are linked to server connection and can process queries.'],
  ['cl_waiting', 'cl_waiting', 'Client connections that have sent queries but have not yet got a server connection.'],
  ['cl_cancel_req', 'cl_cancel_req', 'Client connections that have not forwarded query cancellations to the server yet.'],
  ['cl_active_cancel_req', 'cl_active_cancel_req', 'Client connections that have forwarded query cancellations to the server and are waiting for the server response.'],
  ['cl_waiting_cancel_req', 'cl_waiting_cancel_req', 'Client connections that have not forwarded query cancellations to the server yet.'],
  ['sv_active', 'sv_active', 'Server connections that are linked to a client.'],
  ['sv_active_cancel', 'sv_active_cancel', 'Server connections that are currently forwarding a cancel request'],
  ['sv_wait_cancels', 'sv_being_canceled', 'Servers that normally could become idle, but are waiting to do so until all in-flight cancel requests have completed that were sent to cancel a query on this server.'],
  ['sv_idle', 'sv_idle', 'Server connections that are unused and immediately usable for client queries.'],
  ['sv_used', 'sv_used', 'Server connections that have been idle for more than server_check_delay, so they need server_check_query to run on them before they can be used again.'],
  ['sv_tested', 'sv_tested', 'Server connections that are currently running either server_reset_query or server_check_query.'],
  ['sv_login', 'sv_login', 'Server connections currently in the process of logging in.'],
  ['maxwait', 'maxwait', 'How long the first (oldest) client in the queue has waited, in seconds.'],
  ['maxwait_us', 'maxwait_us', 'Microsecond part of the maximum waiting time.'],
  ['pool_mode', 'pool_mode', 'The pooling mode in use. 1 for session, 2 for transaction, 3 for statement, -1 if unknown'],
  ['load_balance_hosts', 'load_balance_hosts', 'Number of hosts not load balancing between hosts'],
];

/** SHOW STATS: metric names are the column names. */
const STATS: Record<string, string> = {
  total_server_assignment_count: 'Total time a server was assigned to a client.',
  total_xact_count: 'Total number of SQL transactions pooled by pgbouncer.',
  total_query_count: 'Total number of SQL queries pooled by pgbouncer.',
  total_received: 'Total volume in bytes of network traffic received by pgbouncer.',
  total_sent: 'Total volume in bytes of network traffic sent by pgbouncer.',
  total_xact_time: 'Total number of microseconds spent by pgbouncer when connected to PostgreSQL in a transaction, either idle in transaction or executing queries.',
  total_query_time: 'Total number of microseconds spent by pgbouncer when actively connected to PostgreSQL, executing queries.',
  total_wait_time: 'Time spent by clients waiting for a server, in microseconds.',
  total_client_parse_count: 'Total number of prepared statements created by clients.',
  total_server_parse_count: 'Total number of prepared statements created by pgbouncer on a server.',
  total_bind_count: 'Total number of prepared statements readied for execution by clients and forwarded to PostgreSQL by pgbouncer',
  avg_server_assignment_count: 'Average number of times a server was assigned to a client per second in the last stat period.',
  avg_xact_count: 'Average transactions per second in last stat period.',
  avg_query_count: 'Average queries per second in last stat period.',
  avg_recv: 'Average received (from clients) bytes per second.',
  avg_sent: 'Average sent (to clients) bytes per second.',
  avg_xact_time: 'Average transaction duration, in microseconds.',
  avg_query_time: 'Average query duration, in microseconds.',
  avg_wait_time: 'Time spent by clients waiting for a server, in microseconds (average per second).',
  avg_client_parse_count: 'Average number of prepared statements created by clients.',
  avg_server_parse_count: 'Average number of prepared statements created by pgbouncer on a server.',
  avg_bind_count: 'Average number of prepared statements readied for execution by clients and forwarded to PostgreSQL by pgbouncer.',
};

const POOL_MODES: Record<string, number> = { session: 1, transaction: 2, statement: 3 };

/** A console cell as a number: counters come as text (bigint), pool_mode as its name. */
function numeric(column: string, value: unknown): number {
  if (column === 'pool_mode') return POOL_MODES[String(value)] ?? -1;
  const n = Number(value ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/** A row as column name → cell. */
function byName(result: ConsoleRows, row: unknown[]): Map<string, unknown> {
  return new Map(result.columns.map((c, i) => [c, row[i]]));
}

export type RunCommand = (command: ConsoleCommand) => Promise<ConsoleRows>;

export class PgBouncerMetrics {
  readonly registry = new Registry();
  private readonly collections = new Counter({ name: `${PREFIX}_collections_total`, help: 'Total number of times PostgreSQL was accessed for metrics.', registers: [this.registry] });
  private readonly errors = new Counter({ name: `${PREFIX}_collection_errors_total`, help: 'Total errors occurred accessing PostgreSQL for metrics.', labelNames: ['collector'], registers: [this.registry] });
  private readonly lastError = new Gauge({ name: `${PREFIX}_last_collection_error`, help: '1 if the last collection ended with error, 0 otherwise.', registers: [this.registry] });
  private readonly duration = new Gauge({ name: `${PREFIX}_collection_duration_seconds`, help: 'Collection time duration in seconds', labelNames: ['collector'], registers: [this.registry] });
  private readonly up = new Gauge({ name: `${PREFIX}_up`, help: '1 if pgbouncer is up, 0 otherwise.', registers: [this.registry] });
  private readonly lists = new Map(Object.entries(LISTS).map(([item, help]) => [item, new Gauge({ name: `${PREFIX}_lists_${item}`, help, registers: [this.registry] })]));
  private readonly pools = POOLS.map(([name, column, help]) => ({ column, gauge: new Gauge({ name: `${PREFIX}_pools_${name}`, help, labelNames: ['database', 'user'], registers: [this.registry] }) }));
  private readonly stats = Object.entries(STATS).map(([column, help]) => ({ column, gauge: new Gauge({ name: `${PREFIX}_stats_${column}`, help, labelNames: ['database'], registers: [this.registry] }) }));

  /**
   * Reads the three SHOW commands through `run` and sets every metric; a command that fails counts
   * as a collection error (labelled with the command) and leaves its metrics empty.
   */
  async collect(run: RunCommand): Promise<void> {
    const started = process.hrtime.bigint();
    this.collections.inc();
    let failed = false;
    const attempt = async (command: ConsoleCommand, apply: (r: ConsoleRows) => void) => {
      try {
        apply(await run(command));
      } catch {
        failed = true;
        this.errors.inc({ collector: command });
      }
    };
    for (const gauge of this.lists.values()) gauge.set(-1);
    for (const { gauge } of this.pools) gauge.reset();
    for (const { gauge } of this.stats) gauge.reset();
    await attempt('SHOW LISTS', (r) => {
      for (const row of r.rows) this.lists.get(String(row[0]))?.set(numeric('', row[1]));
    });
    await attempt('SHOW POOLS', (r) => {
      for (const row of r.rows) {
        const cells = byName(r, row);
        const labels = { database: String(cells.get('database')), user: String(cells.get('user')) };
        for (const { column, gauge } of this.pools) gauge.set(labels, numeric(column, cells.get(column)));
      }
    });
    await attempt('SHOW STATS', (r) => {
      for (const row of r.rows) {
        const cells = byName(r, row);
        const labels = { database: String(cells.get('database')) };
        for (const { column, gauge } of this.stats) gauge.set(labels, numeric(column, cells.get(column)));
      }
    });
    this.up.set(failed ? 0 : 1);
    this.lastError.set(failed ? 1 : 0);
    this.duration.set({ collector: 'Collect.up' }, Number(process.hrtime.bigint() - started) / 1e9);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
