// The bench's output: one row per system and failure kind, then cnpg/Patroni ratios, printed the
// way bench/bootstrap prints its tables.
import type { KindSummary } from './measure.js';

export interface Row {
  system: string;
  kind: string;
  summary: KindSummary;
}

const s = (ms: number | undefined) => (ms === undefined ? '-' : (ms / 1000).toFixed(2));

export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  console.log(line(headers));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(r));
}

export function resultRows(rows: readonly Row[]): string[][] {
  return rows.map(({ system, kind, summary: m }) => [
    system,
    kind,
    `${m.ok}/${m.trials}`,
    s(m.unavailability?.p50),
    s(m.unavailability?.p95),
    s(m.unavailability?.max),
    m.uncounted > 0 ? `${m.lost} (+${m.uncounted} uncounted)` : String(m.lost),
    s(m.healthy?.p50),
    s(m.healthy?.max),
  ]);
}

export const RESULT_HEADERS = ['system', 'kind', 'ok/trials', 'unavail p50', 'p95', 'max', 'lost acked', 'healthy p50', 'healthy max'];

/** `system` p50 / `reference` p50 write unavailability, for every kind both systems ran. */
export function ratioRows(rows: readonly Row[], system = 'cnpg', reference = 'patroni'): string[][] {
  const out: string[][] = [];
  for (const c of rows.filter((r) => r.system === system)) {
    const p = rows.find((r) => r.system === reference && r.kind === c.kind);
    const a = c.summary.unavailability?.p50;
    const b = p?.summary.unavailability?.p50;
    if (!p) continue;
    out.push([c.kind, s(a), s(b), a !== undefined && b !== undefined && b > 0 ? (a / b).toFixed(2) : '-']);
  }
  return out;
}

/** Why trials failed, grouped, so a timeout shows as a reason rather than a silent gap. */
export function failureLines(rows: readonly Row[]): string[] {
  const out: string[] = [];
  for (const r of rows) {
    const counts = new Map<string, number>();
    for (const f of r.summary.failures) counts.set(f, (counts.get(f) ?? 0) + 1);
    for (const [f, n] of counts) out.push(`${r.system} ${r.kind}: ${n} failed: ${f}`);
  }
  return out;
}
