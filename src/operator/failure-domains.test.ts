import test from 'node:test';
import assert from 'node:assert/strict';
import type { Cluster } from '../api/index.js';
import { fixture } from '../api/testing.js';
import { crossDomainStandbys, failureDomainCondition } from './failure-domains.js';
import { desiredInstanceConfig } from './instance-config.js';
import type { Placement } from './sync-election.js';

type Sync = NonNullable<NonNullable<Cluster['spec']['postgresql']>['synchronous']>;
const cluster = (sync: Partial<Sync>): Cluster =>
  fixture('Cluster', { instances: 4, bootstrap: { initdb: { database: 'app', owner: 'app' } }, postgresql: { synchronous: { method: 'any', number: 1, dataDurability: 'required', ...sync } } }, { namespace: 'default' }) as Cluster;

const zone = (z: string | undefined): Placement => ({ node: `node-${z ?? 'x'}`, nodeLabels: z === undefined ? {} : { zone: z }, podLabels: z === undefined ? {} : { zone: z } });
const placement: Record<string, Placement> = { 'pg-1': zone('a'), 'pg-2': zone('a'), 'pg-3': zone('b'), 'pg-4': zone('c') };
const all = ['pg-2', 'pg-3', 'pg-4'];

test('standbys in the primary’s own failure domain are left out, by pod labels or by node labels', () => {
  assert.deepEqual(crossDomainStandbys(cluster({ podFailureDomainKeys: ['zone'] }), 'pg-1', all, placement), ['pg-3', 'pg-4']);
  assert.deepEqual(crossDomainStandbys(cluster({ nodeFailureDomainKeys: ['zone'] }), 'pg-1', all, placement), ['pg-3', 'pg-4']);
  assert.equal(crossDomainStandbys(cluster({}), 'pg-1', all, placement), undefined, 'no keys, no constraint');
});

test('an unreadable topology sets the keys aside: a pod lacking a key, an instance on no known node', () => {
  assert.equal(crossDomainStandbys(cluster({ podFailureDomainKeys: ['zone'] }), 'pg-1', all, { ...placement, 'pg-4': zone(undefined) }), undefined);
  assert.equal(crossDomainStandbys(cluster({ nodeFailureDomainKeys: ['zone'] }), 'pg-1', all, { ...placement, 'pg-4': { node: 'n' } }), undefined, 'node not read');
  assert.deepEqual(crossDomainStandbys(cluster({ nodeFailureDomainKeys: ['zone'] }), 'pg-1', all, { ...placement, 'pg-4': zone(undefined) }), ['pg-3', 'pg-4'], 'a node lacking the label is in the empty-valued domain');
  assert.equal(crossDomainStandbys(cluster({ nodeFailureDomainKeys: ['zone'] }), 'pg-1', all, {}), undefined, 'the primary has no place');
});

test('synchronous_standby_names keeps the cross-domain standbys when they are enough, and all of them otherwise', () => {
  const names = (sync: Partial<Sync>, where: Record<string, Placement>) =>
    desiredInstanceConfig(cluster(sync), 'pg-1', { primary: 'pg-1', instances: ['pg-1', ...all], ready: ['pg-1', ...all], placement: where }, 15).synchronousStandbyNames;
  assert.equal(names({ podFailureDomainKeys: ['zone'] }, placement), 'ANY 1 ("pg-3", "pg-4")');
  assert.equal(names({ podFailureDomainKeys: ['zone'], number: 3 }, placement), 'ANY 3 ("pg-2", "pg-3", "pg-4")', 'required durability needs the whole number elsewhere');
  const lonely = { ...placement, 'pg-4': zone('a') };
  assert.equal(names({ nodeFailureDomainKeys: ['zone'], number: 2, dataDurability: 'preferred' }, lonely), 'ANY 1 ("pg-3")', 'preferred takes one and lowers the number');
  assert.equal(names({ nodeFailureDomainKeys: ['zone'], number: 2 }, lonely), 'ANY 2 ("pg-2", "pg-3", "pg-4")');
  const local = Object.fromEntries(['pg-1', ...all].map((n) => [n, { node: 'this-host', nodeLabels: {} }]));
  assert.equal(names({ nodeFailureDomainKeys: ['zone'] }, local), 'ANY 1 ("pg-2", "pg-3", "pg-4")', 'locally all share one place: the keys change nothing');
});

test('the SyncReplicationTopologySatisfied condition says whether the keys shape the names, only while they are set', () => {
  const cond = (sync: Partial<Sync>, where: Record<string, Placement>) =>
    failureDomainCondition(cluster(sync), 'pg-1', { all, ready: all }, where, undefined, '2026-01-01T00:00:00Z');
  assert.equal(cond({}, placement), undefined);
  assert.deepEqual([cond({ nodeFailureDomainKeys: ['zone'] }, placement)?.status, cond({ nodeFailureDomainKeys: ['zone'] }, placement)?.reason], ['True', 'Satisfied']);
  assert.equal(cond({ nodeFailureDomainKeys: ['zone'], number: 3 }, placement)?.reason, 'InsufficientCrossDomainReplicas');
  assert.equal(cond({ podFailureDomainKeys: ['zone'] }, {})?.reason, 'TopologyNotExtracted');
});
