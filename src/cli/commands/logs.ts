// `logs`: an instance's manager and PostgreSQL logs, or every instance's of a cluster, as files
// printed from the end and followed with -f.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { LABELS } from '../../api/names.js';
import { CliError, type DaemonClient } from '../client.js';
import { setTimeout as sleep } from 'node:timers/promises';

function printFrom(file: string, offset: number): number {
  if (!existsSync(file)) return offset;
  const size = statSync(file).size;
  if (size <= offset) return size < offset ? 0 : offset;
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(size - offset);
  readSync(fd, buf, 0, buf.length, offset);
  closeSync(fd);
  process.stdout.write(buf);
  return size;
}

function tailOffset(file: string, lines: number | undefined): number {
  if (lines === undefined || !existsSync(file)) return 0;
  const size = statSync(file).size;
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(Math.min(size, 1024 * 1024));
  readSync(fd, buf, 0, buf.length, size - buf.length);
  closeSync(fd);
  let count = 0;
  for (let i = buf.length - 2; i >= 0; i--) if (buf[i] === 10 && ++count === lines) return size - buf.length + i + 1;
  return size - buf.length;
}

export type LogsTarget = { cluster: string } | { pod: string };

/**
 * What `logs` was asked for: the plugin's `logs cluster NAME`, or kubectl's `logs POD`,
 * `logs pod/POD` and `logs pod POD`.
 */
export function logsTarget(args: readonly string[]): LogsTarget {
  const [first = '', second, ...rest] = args;
  const usage = 'use: logs cluster NAME, logs POD or logs pod/POD';
  if (rest.length > 0 || first === '') throw new CliError(`error: expected one cluster or pod (${usage})`);
  const slash = first.indexOf('/');
  const [type, name] = slash >= 0 ? [first.slice(0, slash), first.slice(slash + 1)] : second !== undefined ? [first, second] : ['pod', first];
  if (slash >= 0 && second !== undefined) throw new CliError(`error: expected one cluster or pod, got "${first}" and "${second}" (${usage})`);
  if (name === '') throw new CliError(`error: ${type} name may not be empty (${usage})`);
  const t = type.toLowerCase();
  if (['cluster', 'clusters', 'cluster.postgresql.cnpg.io'].includes(t)) return { cluster: name };
  if (['pod', 'pods', 'po'].includes(t)) return { pod: name };
  throw new CliError(`error: cannot print logs of "${type}" (${usage})`);
}

export async function logsCommand(client: DaemonClient, target: LogsTarget, opts: { namespace?: string; follow?: boolean; tail?: number }): Promise<void> {
  const ns = opts.namespace ?? 'default';
  // Both lookups fail with the server's "not found" for a cluster or pod that does not exist.
  const cluster = 'cluster' in target ? (await client.get('Cluster', ns, target.cluster)).metadata.name : (await client.get('Pod', ns, target.pod)).metadata.labels?.[LABELS.cluster];
  const { items } = await client.request<{ items: Array<{ instance: string; files: string[] }> }>('GET', '/logs', { namespace: ns, cluster });
  const files = items.filter((i) => !('pod' in target) || i.instance === target.pod).flatMap((i) => i.files);
  const offsets = new Map(files.map((f) => [f, tailOffset(f, opts.tail)]));
  for (;;) {
    for (const f of files) offsets.set(f, printFrom(f, offsets.get(f) ?? 0));
    if (!opts.follow) return;
    await sleep(500);
  }
}
