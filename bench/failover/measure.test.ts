import test from 'node:test';
import assert from 'node:assert/strict';
import { parseTargets } from './conninfo.js';
import { percentile, summarize, unavailabilityMs } from './measure.js';

test('unavailability: from the last ack before the failure to the first after, or the longest gap after it', () => {
  assert.equal(unavailabilityMs([1, 2, 3, 900, 901], 3.5), 897);
  assert.equal(unavailabilityMs([1, 2, 3, 4, 5, 700, 701], 3.5), 695, 'writes that stop only after the injection');
  assert.equal(unavailabilityMs([10, 11], 4), 6, 'no ack before: counted from the injection');
  assert.equal(unavailabilityMs([1, 2, 3], 5), undefined, 'nothing acknowledged after');
});

test('nearest-rank percentiles and a summary that keeps failures apart', () => {
  const xs = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
  assert.equal(percentile(xs, 0.5), 5);
  assert.equal(percentile(xs, 0.95), 10);
  const s = summarize([{ unavailabilityMs: 100, healthyMs: 2000, lost: 0 }, { failure: 'not healthy within 120 s' }, { unavailabilityMs: 300, healthyMs: 1000, lost: 2 }]);
  assert.deepEqual(s.unavailability, { p50: 100, p95: 300, max: 300 });
  assert.deepEqual([s.ok, s.trials, s.lost, s.uncounted], [2, 3, 2, 1]);
});

test('libpq keyword/value strings with several hosts, and URIs', () => {
  const t = parseTargets("host=127.0.0.1,127.0.0.1 port=5001,5002 dbname=app user=app password='a b\\'c' target_session_attrs=read-write");
  assert.equal(t.readWrite, true);
  assert.deepEqual(t.servers.map((s) => s.port), [5001, 5002]);
  assert.equal(t.servers[1]?.password, "a b'c");
  assert.deepEqual(parseTargets('postgresql://app:x@127.0.0.1:5432/app').servers, [{ connectionString: 'postgresql://app:x@127.0.0.1:5432/app' }]);
  assert.throws(() => parseTargets('host=a,b,c port=1,2'), /3 hosts but 2 ports/);
});
