// The high-availability commands as a user runs them, the same on both platforms: the scenario
// takes only how to run the CLI (`cnpg …` locally, `kubectl cnpg …` on Kubernetes) and how to
// read the Cluster, and checks the same observable result on each.
import assert from 'node:assert/strict';
import type { StoredCluster } from '../../src/api/cluster-status.js';
import { eventually } from './env.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface IntentsPlatform {
  /** The plugin's command line: `cnpg ARGS` or `kubectl cnpg ARGS`. */
  cnpg(args: string[]): Promise<CliRun>;
  cluster(name: string): Promise<StoredCluster>;
  /** A JSON merge patch of Cluster NAME (`patch cluster NAME --type merge -p PATCH`). */
  patchCluster(name: string, patch: string): Promise<void>;
}

interface InstanceRow {
  name: string;
  isPrimary: boolean;
  ready: boolean;
  postmasterPid?: number;
}

interface StatusJson {
  phase?: string;
  currentPrimary?: string;
  readyInstances: number;
  instancesStatus: InstanceRow[];
}

/** A 2-instance Cluster NAME, healthy with NAME-1 its primary, goes through every intent. */
export async function intentsScenario(p: IntentsPlatform, name: string): Promise<void> {
  const [one, two] = [`${name}-1`, `${name}-2`];
  const ok = async (args: string[]): Promise<string> => {
    const r = await p.cnpg(args);
    assert.equal(r.code, 0, `cnpg ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const status = async () => JSON.parse(await ok(['status', name, '-o', 'json'])) as StatusJson;
  const pids = async () => Object.fromEntries((await status()).instancesStatus.map((i) => [i.name, i.postmasterPid]));
  const confLoadTime = async (replica: boolean) => (await ok(['psql', name, ...(replica ? ['--replica'] : []), '--', '-tAc', 'select pg_conf_load_time()'])).trim();
  const annotations = async () => (await p.cluster(name)).metadata.annotations ?? {};
  const healthy = (primary: string, what: string) =>
    eventually(`${what}: a healthy cluster with primary ${primary}`, async () => {
      const s = (await p.cluster(name)).status;
      const rows = (await status()).instancesStatus;
      return s?.phase === 'Cluster in healthy state' && s.readyInstances === 2 && s.currentPrimary === primary && rows.every((r) => r.ready && r.postmasterPid !== undefined);
    }, 180_000, 500);
  const restartedSince = (before: Record<string, number | undefined>, who: string[]) =>
    eventually(`new postmasters on ${who.join(', ')}`, async () => {
      const now = await pids();
      return who.every((n) => now[n] !== undefined && now[n] !== before[n]);
    }, 180_000, 500);

  // reload: every instance re-reads its configuration; nothing restarts.
  const beforeReload = { primary: await confLoadTime(false), replica: await confLoadTime(true), pids: await pids() };
  assert.equal((await ok(['reload', name])).trim(), `cluster ${name} reload requested`);
  await eventually('both instances reloaded', async () => (await confLoadTime(false)) !== beforeReload.primary && (await confLoadTime(true)) !== beforeReload.replica, 60_000, 500);
  assert.deepEqual(await pids(), beforeReload.pids, 'a reload restarts no postmaster');

  // promote: a switchover through the cnpg.io/targetPrimary annotation, consumed by the operator.
  assert.equal((await ok(['promote', name, '2'])).trim(), `Node ${two} in cluster ${name} will be promoted`);
  await healthy(two, 'after promote');
  assert.equal((await annotations())['cnpg.io/targetPrimary'], undefined, 'the operator consumed the request');

  // restart of one standby: recreated on its data; the primary is untouched.
  let before = await pids();
  assert.equal((await ok(['restart', name, one])).trim(), `instance ${one} restart requested (a standby, recreated on its data)`);
  await restartedSince(before, [one]);
  await healthy(two, 'after restarting the standby');
  assert.equal((await pids())[two], before[two], 'the primary was not restarted');
  assert.equal((await annotations())['cnpg.io/restartInstance'], undefined);

  // restart of the primary: in place, no failover.
  before = await pids();
  assert.equal((await ok(['restart', name, two])).trim(), `instance ${two} restart requested (the primary, in place)`);
  await restartedSince(before, [two]);
  await healthy(two, 'after restarting the primary');
  assert.equal((await pids())[one], before[one], 'the standby was not restarted');

  // rolling restart: every instance, the primary kept.
  before = await pids();
  assert.equal((await ok(['restart', name])).trim(), `cluster ${name} restart requested: standbys first, then the primary`);
  await restartedSince(before, [one, two]);
  await healthy(two, 'after the rolling restart');

  // supervised: a rolling restart stops at the primary until the user restarts it (or switches over).
  await p.patchCluster(name, '{"spec":{"primaryUpdateStrategy":"supervised"}}');
  before = await pids();
  await ok(['restart', name]);
  await restartedSince(before, [one]);
  await eventually('the cluster waiting for the user', async () => (await p.cluster(name)).status?.phase === 'Waiting for user action', 60_000, 500);
  assert.equal((await pids())[two], before[two], 'supervised: the primary waits');
  await ok(['restart', name, two]);
  await restartedSince(before, [two]);
  await healthy(two, 'after the user restarted the primary');
  await p.patchCluster(name, '{"spec":{"primaryUpdateStrategy":"unsupervised"}}');

  // fencing: PostgreSQL of the instance stops, the instance stays; a fenced instance is not restarted.
  assert.equal((await ok(['fencing', 'on', name, one])).trim(), `${one} of cluster ${name} fenced`);
  assert.equal((await annotations())['cnpg.io/fencedInstances'], `["${one}"]`);
  await eventually(`${one} fenced`, async () => {
    const row = (await status()).instancesStatus.find((i) => i.name === one);
    return row && !row.ready;
  }, 60_000, 500);
  const refused = await p.cnpg(['restart', name, one]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, new RegExp(`instance ${one} of cluster ${name} is fenced`));
  assert.equal((await ok(['fencing', 'off', name, one])).trim(), `${one} of cluster ${name} unfenced`);
  assert.equal((await annotations())['cnpg.io/fencedInstances'], undefined);
  await healthy(two, 'after fencing off');
}
