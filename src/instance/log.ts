// JSON-lines logging to stdout, which the platform sends to the instance's log file.
import type { LogLevel } from './spec.js';

export type LogFields = Record<string, unknown>;

// spec.logLevel's words, least verbose first; `warn` lines count as `warning`.
const ORDER: readonly LogLevel[] = ['error', 'warning', 'info', 'debug', 'trace'];
let threshold = ORDER.indexOf('info');

/** spec.logLevel (default info): lines less severe than it are not written. */
export function setLogLevel(level: LogLevel | undefined): void {
  threshold = ORDER.indexOf(level ?? 'info');
}

export function log(level: 'info' | 'warn' | 'error' | 'debug', msg: string, fields: LogFields = {}): void {
  if (ORDER.indexOf(level === 'warn' ? 'warning' : level) > threshold) return;
  process.stdout.write(JSON.stringify({ ts: new Date().toISOString(), level, logger: 'instance-manager', msg, ...fields }) + '\n');
}
