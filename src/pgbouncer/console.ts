// PgBouncer's admin console, reached over the unix socket in the manager's private folder. The
// console speaks only the simple query protocol, which `pg` uses for a query without parameters;
// every command sent is one of the fixed ones below, never text from a handout.
import pg from 'pg';
import { ADMIN_DATABASE, ADMIN_USER } from './files.js';

export interface ConsoleAddress {
  socketDir: string;
  port: number;
  password: string;
}

export type ConsoleCommand = 'RELOAD' | 'PAUSE' | 'RESUME' | 'SHOW LISTS' | 'SHOW POOLS' | 'SHOW STATS' | 'SHOW VERSION';

export interface ConsoleRows {
  /** Column names, in PgBouncer's order (which changes between versions). */
  columns: string[];
  rows: unknown[][];
}

export class AdminConsole {
  private constructor(private readonly client: pg.Client) {}

  /** Connects, or rejects with PgBouncer's or the socket's reason within `timeoutMs`. */
  static async connect(address: ConsoleAddress, timeoutMs = 5000): Promise<AdminConsole> {
    const client = new pg.Client({
      host: address.socketDir,
      port: address.port,
      user: ADMIN_USER,
      database: ADMIN_DATABASE,
      password: address.password,
      connectionTimeoutMillis: timeoutMs,
    });
    // An error after connecting (PgBouncer restarted) surfaces on the next query, not as a crash.
    client.on('error', () => undefined);
    await client.connect();
    return new AdminConsole(client);
  }

  async run(command: ConsoleCommand): Promise<ConsoleRows> {
    const result = await this.client.query<unknown[]>({ text: command, rowMode: 'array' });
    return { columns: result.fields.map((f) => f.name), rows: result.rows };
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}

/** One command on a connection of its own. */
export async function consoleCommand(address: ConsoleAddress, command: ConsoleCommand, timeoutMs = 5000): Promise<ConsoleRows> {
  const console = await AdminConsole.connect(address, timeoutMs);
  try {
    return await console.run(command);
  } finally {
    await console.close();
  }
}
