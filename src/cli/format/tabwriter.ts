// A port of the column-alignment algorithm of Go's text/tabwriter, which kubectl (tables,
// describe) and the cnpg plugin (status) use. Cells are '\t'-terminated; the text after the
// last tab of a line is not part of any column. A column block is a run of consecutive lines
// that all have a cell in that column, so a line without tabs ends every block above it.

export interface TabWriterOptions {
  /** Minimal width of a column, padding included. */
  minWidth: number;
  /** Spaces added after the widest cell of a column. */
  padding: number;
}

function runeLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export function tabwrite(text: string, opts: TabWriterOptions): string {
  const lines = text.split('\n').map((line) => line.split('\t'));
  const out: string[] = [];
  const widths: number[] = [];

  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const cells = lines[i] ?? [];
      let rendered = '';
      cells.forEach((cell, j) => {
        rendered += cell;
        const width = widths[j];
        if (j < cells.length - 1 && width !== undefined) {
          rendered += ' '.repeat(Math.max(0, width - runeLength(cell)));
        }
      });
      out.push(rendered.trimEnd());
    }
  };

  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    let start = line0;
    for (let i = line0; i < line1; i++) {
      if (column >= (lines[i]?.length ?? 0) - 1) continue;
      writeLines(start, i);
      start = i;
      let width = opts.minWidth;
      for (; i < line1; i++) {
        const cells = lines[i] ?? [];
        if (column >= cells.length - 1) break;
        width = Math.max(width, runeLength(cells[column] ?? '') + opts.padding);
      }
      widths.push(width);
      format(start, i);
      widths.pop();
      start = i;
    }
    writeLines(start, line1);
  };

  format(0, lines.length);
  return out.join('\n');
}
