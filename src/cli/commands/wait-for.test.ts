import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWaitFor, refuseUnknownCondition, waitSatisfied } from './wait-for.js';

const cluster = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg' }, status: { phase: 'Cluster in healthy state', conditions: [{ type: 'Ready', status: 'True' }] } };

test('a condition the kind never has is refused, naming the ones it has', () => {
  assert.throws(() => refuseUnknownCondition('Cluster', parseWaitFor('condition=Redy')), /Cluster has no condition "Redy" \(allowed: Ready, ContinuousArchiving, LastBackupSucceeded\)/);
  assert.throws(() => refuseUnknownCondition('Backup', parseWaitFor('condition=Ready')), /Backup has no conditions to wait for \(use --for=delete/);
  assert.doesNotThrow(() => refuseUnknownCondition('Cluster', parseWaitFor('condition=ready')));
  assert.doesNotThrow(() => refuseUnknownCondition('Deployment', parseWaitFor('condition=Available')));
});

test('unrecognised --for forms are refused with the ones there are', () => {
  assert.throws(() => parseWaitFor('ready'), /unrecognized condition: "ready" \(use --for=condition=Ready/);
});

test('conditions, jsonpath and create are met as kubectl meets them', () => {
  assert.equal(waitSatisfied(cluster, parseWaitFor('condition=Ready')), true);
  assert.equal(waitSatisfied(cluster, parseWaitFor('condition=Ready=False')), false);
  assert.equal(waitSatisfied(cluster, parseWaitFor("jsonpath='{.status.phase}'=Cluster in healthy state")), true);
  assert.equal(waitSatisfied(cluster, parseWaitFor('jsonpath={.status.phase}=Setting up primary')), false);
  assert.equal(waitSatisfied(cluster, parseWaitFor('create')), true);
});
