// kubectl-style tables: left-aligned columns, at least 6 wide, separated by 3 spaces
// (cli-runtime's tabwriter settings), no trailing spaces, a newline after every row.

import { tabwrite } from './tabwriter.js';

export interface TableOptions {
  noHeaders?: boolean;
}

/**
 * A cell keeps its first line only (kubectl truncates at a line break and appends "..."),
 * and tabs become spaces so they cannot split a cell.
 */
export function sanitizeCell(cell: string): string {
  const brk = cell.search(/[\f\n\r]/);
  const firstLine = brk >= 0 ? `${cell.slice(0, brk)}...` : cell;
  return firstLine.replace(/\t/g, ' ');
}

/** The rows of a table as tab-separated lines, before alignment. */
export function tableLines(headers: string[], rows: string[][], opts: TableOptions = {}): string[] {
  const all = opts.noHeaders ? rows : [headers, ...rows];
  return all.map((row) => row.map(sanitizeCell).join('\t'));
}

/** Aligns tab-separated lines the way kubectl's table printer does. */
export function alignTableLines(lines: string[]): string {
  if (lines.length === 0) return '';
  return tabwrite(`${lines.join('\n')}\n`, { minWidth: 6, padding: 3 });
}

export function renderTable(headers: string[], rows: string[][], opts: TableOptions = {}): string {
  return alignTableLines(tableLines(headers, rows, opts));
}
