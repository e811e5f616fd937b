// Short-lived superuser connections over the instance's private Unix socket (peer auth).
import pg from 'pg';

export interface SocketTarget {
  socketDir: string;
  port: number;
}

export async function withConnection<T>(
  target: SocketTarget,
  database: string,
  fn: (client: pg.Client) => Promise<T>,
  timeoutMs = 3000,
): Promise<T> {
  const client = new pg.Client({
    host: target.socketDir,
    port: target.port,
    user: 'postgres',
    database,
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: 0,
    application_name: 'cnpg-instance-manager',
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function isAcceptingConnections(target: SocketTarget): Promise<boolean> {
  try {
    await withConnection(target, 'postgres', (c) => c.query('SELECT 1'), 1000);
    return true;
  } catch {
    return false;
  }
}
