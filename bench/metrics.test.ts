import test from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { parseArgs } from './metrics/args.js';
import { cpuMsFromStat, median, memoryMiB, parentPid, percentile, verdicts } from './metrics/measure.js';
import { clusterManifest } from './metrics/system.js';

test('flags: defaults, values and bad ones named', () => {
  assert.deepEqual(parseArgs([]), { scrapes: 200, tables: 1000, databases: 10, ttl: 0, seconds: 20, rounds: 2, clients: 4, scale: 10, s3: true });
  assert.equal(parseArgs(['--s3', 'off']).s3, false);
  assert.throws(() => parseArgs(['--s3', 'yes']), /--s3: on or off, got "yes"/);
  assert.equal(parseArgs(['--ttl', '30', '--scrapes', '5']).ttl, 30);
  assert.throws(() => parseArgs(['--scrapes', '0']), /--scrapes: a whole number ≥ 1, got "0"/);
  assert.throws(() => parseArgs(['--tables']), /--tables needs a value/);
  assert.throws(() => parseArgs(['--bogus', '1']), /unknown flag --bogus/);
});

test('percentiles, CPU time and memory from /proc', () => {
  const xs = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(xs, 50), 50);
  assert.equal(percentile(xs, 99), 99);
  assert.equal(percentile([7], 99), 7);
  assert.equal(median([2529, 3483]), 3006);
  assert.equal(median([3, 1, 2]), 2);
  // utime 250 and stime 50 ticks, with a command name holding a space and a parenthesis
  const stat = '4242 (node (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0 100 1000 2000';
  assert.equal(cpuMsFromStat(stat), 3000);
  // with the reaped children's 30 and 20 ticks
  assert.equal(cpuMsFromStat('4242 (postgres) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 30 20 20 0 11 0 100 1000 2000', true), 3500);
  assert.equal(parentPid(stat), 1);
  assert.equal(memoryMiB('Name:\tnode\nVmHWM:\t   81920 kB\nVmRSS:\t   51200 kB\n', 'VmRSS'), 50);
  assert.equal(memoryMiB('VmHWM:\t   81920 kB\n', 'VmHWM'), 80);
});

test('verdicts against the issue targets', () => {
  const v = verdicts({ scrapeP50Ms: 10, scrapeP99Ms: 120, managerCpuMsPerScrape: 5, managerRssMiB: 70, tpsWithout: 1000, tpsWith: 990 });
  assert.deepEqual(v.map((x) => x.met), [false, true, true]);
  assert.match(v[2]!.measured, /^1\.0% lower$/);
  assert.match(verdicts({ scrapeP50Ms: 1, scrapeP99Ms: 1, managerCpuMsPerScrape: 1, managerRssMiB: 1, tpsWithout: 1000, tpsWith: 1074 })[2]!.measured, /^7\.4% higher$/);
});

test('the cluster sets the TTL the bench asks for, and archives to S3 when asked', () => {
  assert.match(clusterManifest(0), /metricsQueriesTTL: 0s/);
  assert.doesNotMatch(clusterManifest(0), /barmanObjectStore/);
  const parsed = parse(clusterManifest(30, { endpoint: 'http://127.0.0.1:9000', bucket: 'bench' })) as { spec: { monitoring: unknown; backup: { barmanObjectStore: { destinationPath: string; s3Credentials: unknown } } } };
  assert.deepEqual(parsed.spec.monitoring, { metricsQueriesTTL: '30s' });
  assert.equal(parsed.spec.backup.barmanObjectStore.destinationPath, 's3://bench/metrics');
});
