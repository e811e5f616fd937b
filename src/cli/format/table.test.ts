import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderTable, sanitizeCell } from './table.js';

describe('renderTable', () => {
  it('aligns columns with three spaces, no trailing spaces, a final newline', () => {
    const out = renderTable(
      ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
      [
        ['my-postgres-1', '1/1', 'Running', '0', '2m'],
        ['my-postgres-2', '1/1', 'Running', '0', '1m'],
        ['my-postgres-3', '1/1', 'Running', '0', '30s'],
      ],
    );
    assert.equal(
      out,
      [
        'NAME            READY   STATUS    RESTARTS   AGE',
        'my-postgres-1   1/1     Running   0          2m',
        'my-postgres-2   1/1     Running   0          1m',
        'my-postgres-3   1/1     Running   0          30s',
        '',
      ].join('\n'),
    );
  });

  it('pads narrow columns to six characters, as kubectl', () => {
    assert.equal(renderTable(['A', 'B'], [['x', 'y']]), 'A     B\nx     y\n');
  });

  it('drops the header with noHeaders', () => {
    assert.equal(renderTable(['NAME', 'AGE'], [['a', '1m'], ['bbbbbbbb', '2m']], { noHeaders: true }), 'a          1m\nbbbbbbbb   2m\n');
  });

  it('leaves no trailing spaces when the last cell is empty', () => {
    assert.equal(renderTable(['NAME', 'ERROR'], [['b1', '']]), 'NAME   ERROR\nb1\n');
  });

  it('prints only the header for no rows, nothing without it', () => {
    assert.equal(renderTable(['NAME', 'AGE'], []), 'NAME   AGE\n');
    assert.equal(renderTable(['NAME', 'AGE'], [], { noHeaders: true }), '');
  });

  const cells: Array<[string, string]> = [
    ['plain', 'plain'],
    ['first\nsecond', 'first...'],
    ['a\tb', 'a b'],
  ];
  for (const [input, want] of cells) {
    it(`sanitizes ${JSON.stringify(input)}`, () => assert.equal(sanitizeCell(input), want));
  }
});
