// JSON-lines logging to stdout, which the platform sends to the instance's log file.
export type LogFields = Record<string, unknown>;

export function log(level: 'info' | 'warn' | 'error', msg: string, fields: LogFields = {}): void {
  process.stdout.write(JSON.stringify({ ts: new Date().toISOString(), level, logger: 'instance-manager', msg, ...fields }) + '\n');
}
