import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tabwrite } from './tabwriter.js';

describe('tabwrite (Go text/tabwriter)', () => {
  const cases: Array<{ name: string; input: string; minWidth: number; padding: number; want: string }> = [
    { name: 'aligns a column', input: 'a\tb\nccc\td\n', minWidth: 0, padding: 2, want: 'a    b\nccc  d\n' },
    { name: 'the last cell is not padded', input: 'x\tyyyyyy\nxx\ty\n', minWidth: 0, padding: 1, want: 'x  yyyyyy\nxx y\n' },
    {
      name: 'a line without tabs ends the block',
      input: 'Name:\tx\nSpec:\n  Instances:\t3\n  Storage Size:\t1Gi\n',
      minWidth: 0,
      padding: 2,
      want: 'Name:  x\nSpec:\n  Instances:     3\n  Storage Size:  1Gi\n',
    },
    {
      name: 'consecutive lines share a block whatever their indentation',
      input: '  Phase:\tok\nEvents:\t<none>\n',
      minWidth: 0,
      padding: 2,
      want: '  Phase:  ok\nEvents:   <none>\n',
    },
    { name: 'minimum width', input: 'A\tB\nx\ty\n', minWidth: 6, padding: 3, want: 'A     B\nx     y\n' },
    { name: 'trailing padding is trimmed', input: 'a\t\nbb\t\n', minWidth: 0, padding: 3, want: 'a\nbb\n' },
    { name: 'nested columns', input: 'a\tb\tc\naa\tbb\tcc\n', minWidth: 0, padding: 1, want: 'a  b  c\naa bb cc\n' },
    { name: 'no trailing newline', input: 'a\tb', minWidth: 0, padding: 1, want: 'a b' },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(tabwrite(c.input, { minWidth: c.minWidth, padding: c.padding }), c.want));
  }
});
