import test from 'node:test';
import assert from 'node:assert/strict';
import { nextSerial, slotNameFor } from './names.js';

test('nextSerial fills the lowest gap', () => {
  assert.equal(nextSerial([]), 1);
  assert.equal(nextSerial([1, 2, 3]), 4);
  assert.equal(nextSerial([1, 3]), 2);
  assert.equal(nextSerial([2, 3]), 1);
});

test('slot names replace characters PostgreSQL slot names cannot hold', () => {
  assert.equal(slotNameFor('_cnpg_', 'lab-postgres-2'), '_cnpg_lab_postgres_2');
});
