// cnpg hibernate on|off as a user runs it, the same on both platforms: the scenario takes how to
// run the plugin (`cnpg …` locally, `kubectl cnpg …` on Kubernetes), how to read the Cluster and
// which of its instances run, and checks the same observable result on each.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StoredCluster } from '../../src/api/cluster-status.js';
import { eventually } from './env.js';
import type { CliRun } from './intents.js';

export interface HibernationPlatform {
  cnpg(args: string[]): Promise<CliRun>;
  cluster(name: string): Promise<StoredCluster>;
  /** The instances that exist (with their data), and those of them whose PostgreSQL or Pod runs. */
  instances(name: string): Promise<{ kept: string[]; running: string[] }>;
}

/** A healthy 2-instance Cluster NAME with table `kept` of `rows` rows is hibernated and resumed. */
export async function hibernationScenario(p: HibernationPlatform, name: string, rows: number): Promise<StoredCluster['status']> {
  const ok = async (args: string[]): Promise<string> => {
    const r = await p.cnpg(args);
    assert.equal(r.code, 0, `cnpg ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const count = async (replica: boolean) => Number((await ok(['psql', name, ...(replica ? ['--replica'] : []), '--', '-tAc', 'select count(*) from kept'])).trim());
  const before = (await p.cluster(name)).status;
  const primary = before?.currentPrimary;
  assert.ok(primary);
  const kept = (await p.instances(name)).kept;
  assert.equal(kept.length, 2);

  assert.match(await ok(['hibernate', 'on', name]), new RegExp(`^cluster ${name} hibernation requested`));
  const hibernated = await eventually('a hibernated cluster', async () => {
    const s = (await p.cluster(name)).status;
    const condition = s?.conditions?.find((x) => x.type === 'cnpg.io/hibernation');
    return condition?.status === 'True' && condition.reason === 'Hibernated' && condition.message === 'Cluster has been hibernated' ? s : undefined;
  }, 180_000, 200);
  assert.equal(hibernated.phase, 'Cluster in hibernation');
  assert.equal(hibernated.currentPrimary, primary, 'the primary is kept');
  const stopped = await p.instances(name);
  assert.deepEqual(stopped.kept, kept, 'every instance and its data stay');
  assert.deepEqual(stopped.running, [], 'nothing runs');

  const again = await p.cnpg(['hibernate', 'on', name]);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, new RegExp(`cluster ${name} is already in the requested state`));
  // Still hibernated a moment later: nothing starts it again behind the user's back.
  await sleep(2000);
  assert.deepEqual((await p.instances(name)).running, []);

  assert.match(await ok(['hibernate', 'off', name]), new RegExp(`^cluster ${name} resume requested`));
  await eventually('a healthy cluster again', async () => {
    const s = (await p.cluster(name)).status;
    return s?.phase === 'Cluster in healthy state' && s.readyInstances === 2 && !s.conditions?.some((x) => x.type === 'cnpg.io/hibernation');
  }, 240_000, 500);
  const resumed = (await p.cluster(name)).status;
  assert.equal(resumed?.currentPrimary, primary, 'resumed with the same primary');
  assert.equal(resumed?.timelineID, before?.timelineID, 'nothing was promoted');
  assert.equal(await count(false), rows);
  await eventually('the standby has every row', async () => (await count(true)) === rows, 60_000, 500);
  return hibernated;
}
