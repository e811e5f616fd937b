// What bench/pooler prints: pgbench's figures per path, their ratios against direct and against
// the hand-configured PgBouncer with the targets, and the failover gaps per pool mode.
import type { Path, Workload } from './args.js';

/** One pgbench run: its tps, or why the target did not take the clients. */
export type Outcome = { tps: number } | { refused: string } | { failed: string };

export interface Cell {
  workload: Workload;
  clients: number;
  path: Path;
  outcomes: Outcome[];
  /** The most server connections seen on the primary during the runs (pooled paths). */
  serverConnections?: number;
}

export const PATH_NAMES: Record<Path, string> = { direct: 'direct', rw: 'X-rw', proxy: 'X-rw (proxy only)', pooler: 'Pooler (transaction)', pgbouncer: 'PgBouncer by hand' };

/** tps from pgbench's summary, or why it did not run to the end. */
export function parsePgbench(code: number, output: string): Outcome {
  const tps = output.match(/^tps = ([\d.]+) \(without initial connection time\)$/m);
  if (code === 0 && tps) return { tps: Number(tps[1]) };
  const refused = output.match(/(sorry, too many clients already|remaining connection slots are reserved[^\n]*|no more connections allowed[^\n]*)/);
  if (refused) return { refused: refused[1] as string };
  const error = output.split('\n').find((l) => /error|FATAL/.test(l)) ?? `pgbench exited ${code}`;
  return { failed: error.trim() };
}

const median = (xs: number[]): number | undefined => {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** The median tps of a cell's runs; undefined when none finished. */
export function cellTps(cell: Cell | undefined): number | undefined {
  return median((cell?.outcomes ?? []).flatMap((o) => ('tps' in o ? [o.tps] : [])));
}

function cellText(cell: Cell | undefined): string {
  if (!cell) return '-';
  const tps = cellTps(cell);
  if (tps !== undefined) return `${Math.round(tps)}`;
  const first = cell.outcomes[0];
  return first && 'refused' in first ? 'refused' : 'failed';
}

const pct = (a: number | undefined, b: number | undefined): string => (a !== undefined && b !== undefined && b > 0 ? `${((a / b) * 100).toFixed(1)} %` : '-');

export interface Verdict {
  target: string;
  measured: string;
  met: boolean | undefined;
}

export function throughputTable(cells: Cell[], paths: Path[]): { headers: string[]; rows: string[][] } {
  const keys = [...new Set(cells.map((c) => `${c.workload}:${c.clients}`))];
  const find = (k: string, p: Path) => cells.find((c) => `${c.workload}:${c.clients}` === k && c.path === p);
  const ratios: Array<[string, Path, Path]> = [
    ['X-rw / direct', 'rw', 'direct'],
    ['proxy / direct', 'proxy', 'direct'],
    ['pooler / direct', 'pooler', 'direct'],
    ['pooler / PgBouncer', 'pooler', 'pgbouncer'],
  ];
  const shown = ratios.filter(([, a, b]) => paths.includes(a) && paths.includes(b));
  const pooled = paths.includes('pooler');
  const headers = ['workload', 'clients', ...paths.map((p) => PATH_NAMES[p]), ...shown.map(([h]) => h), ...(pooled ? ['pooler server conns'] : [])];
  const rows = keys.map((k) => {
    const [workload, clients] = k.split(':') as [string, string];
    const tps = (p: Path) => cellTps(find(k, p));
    return [
      workload,
      clients,
      ...paths.map((p) => cellText(find(k, p))),
      ...shown.map(([, a, b]) => pct(tps(a), tps(b))),
      ...(pooled ? [String(find(k, 'pooler')?.serverConnections ?? '-')] : []),
    ];
  });
  return { headers, rows };
}

/** The targets, each against the cells it is about; undefined `met` when not measured. */
export function verdicts(cells: Cell[]): Verdict[] {
  const out: Verdict[] = [];
  const by = (w: Workload, n: number, p: Path) => cellTps(cells.find((c) => c.workload === w && c.clients === n && c.path === p));
  const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? a / b : undefined);
  const rowsOf = [...new Set(cells.map((c) => `${c.workload}:${c.clients}`))].map((k) => k.split(':') as [Workload, string]);
  for (const [w, n] of rowsOf) {
    const clients = Number(n);
    const rw = ratio(by(w, clients, 'rw'), by(w, clients, 'direct'));
    if (rw !== undefined) out.push({ target: `${w} ${clients} clients: X-rw ≥ 95 % of direct`, measured: pct(rw, 1), met: rw >= 0.95 });
    if (clients <= 50 && cells.some((c) => c.path === 'pooler')) {
      const pooled = ratio(by(w, clients, 'pooler'), by(w, clients, 'direct'));
      out.push({ target: `${w} ${clients} clients: pooled ≥ 90 % of direct`, measured: pct(pooled, 1), met: pooled === undefined ? undefined : pooled >= 0.9 });
    }
    const vsRef = ratio(by(w, clients, 'pooler'), by(w, clients, 'pgbouncer'));
    if (vsRef !== undefined) out.push({ target: `${w} ${clients} clients: pooled within 5 % of PgBouncer by hand`, measured: pct(vsRef, 1), met: vsRef >= 0.95 });
  }
  for (const c of cells.filter((x) => x.path === 'pooler' && x.clients >= 1000)) {
    const served = cellTps(c) !== undefined;
    const conns = c.serverConnections;
    out.push({
      target: `${c.workload} ${c.clients} clients served on ≤ 25 server connections`,
      measured: served ? `${conns ?? '?'} server connections` : cellText(c),
      met: served && conns !== undefined ? conns <= 25 : served ? undefined : false,
    });
  }
  return out;
}

export interface FailoverRow {
  path: string;
  /** Milliseconds from the last transaction before the kill to the first after, per trial. */
  gapsMs: number[];
  failures: string[];
}

export function failoverTable(rows: FailoverRow[]): { headers: string[]; rows: string[][] } {
  const s = (ms: number | undefined) => (ms === undefined ? '-' : (ms / 1000).toFixed(2));
  return {
    headers: ['path', 'ok/trials', 'gap p50 s', 'gap max s'],
    rows: rows.map((r) => [r.path, `${r.gapsMs.length}/${r.gapsMs.length + r.failures.length}`, s(median(r.gapsMs)), s(r.gapsMs.length ? Math.max(...r.gapsMs) : undefined)]),
  };
}
