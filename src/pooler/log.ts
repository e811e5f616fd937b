// JSON-lines logging to stdout, which the platform sends to the pooler instance's log.
export type LogFields = Record<string, unknown>;

export function log(level: 'info' | 'warn' | 'error', msg: string, fields: LogFields = {}, logger = 'pooler-manager'): void {
  process.stdout.write(JSON.stringify({ ts: new Date().toISOString(), level, logger, msg, ...fields }) + '\n');
}
