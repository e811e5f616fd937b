// `kubectl cnpg …` with the real kubectl: kubectl finds our kubectl-cnpg on PATH, which talks to a
// real API server where the operator and a kubelet stand-in run a 2-instance Cluster.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeConfig } from '@kubernetes/client-node';
import { installCrds } from './support/crds.js';
import { eventually } from './support/env.js';
import { startControlPlane, type ControlPlane } from './support/controlplane.js';
import { KubeletStandIn } from './support/kubelet.js';
import { TestOperator, readCluster } from './support/operator.js';

const PLUGIN = fileURLToPath(new URL('../src/cli/kubectl-cnpg.js', import.meta.url));

let cp: ControlPlane;
let kc: KubeConfig;
let kubelet: KubeletStandIn;
let operator: TestOperator;
const scratch = mkdtempSync(join(tmpdir(), 'cnpg-plugin-'));
const storeDir = join(scratch, 'store');
const pluginDir = join(scratch, 'bin');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real kubectl, with our plugin on PATH the way krew would install it. */
function kubectl(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(cp.kubectl, args, { env: { ...process.env, PATH: `${pluginDir}:${process.env.PATH}`, KUBECONFIG: cp.kubeconfigPath, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

async function ok(args: string[]): Promise<string> {
  const r = await kubectl(args);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

const readPg = () => readCluster(kc, 'pg');

async function healthy(primary: string): Promise<void> {
  await eventually(`a healthy cluster with primary ${primary}`, async () => {
    const s = (await readPg()).status;
    return s?.phase === 'Cluster in healthy state' && s.readyInstances === 2 && s.currentPrimary === primary;
  }, 240_000, 500).catch(async (e: Error) => {
    throw new Error(`${e.message}\nstatus: ${JSON.stringify((await readPg().catch(() => ({}))) as object)}\noperator:\n${operator.output(4000)}`);
  });
}

before(async () => {
  cp = await startControlPlane();
  kc = cp.kubeConfig();
  await installCrds(kc);
  await ok(['create', 'namespace', 'cnpg-system']);
  // The kubelet stand-in runs managers as the postgres user: the store must be theirs to write.
  chmodSync(scratch, 0o755);
  mkdirSync(storeDir);
  chmodSync(storeDir, 0o777);
  mkdirSync(pluginDir);
  // What the krew archive's launcher does: run the plugin with the Node.js on PATH.
  writeFileSync(join(pluginDir, 'kubectl-cnpg'), `#!/bin/sh\nexec "${process.execPath}" "${PLUGIN}" "$@"\n`, { mode: 0o755 });
  kubelet = new KubeletStandIn(kc, join(scratch, 'kubelet'));
  kubelet.start();
  operator = new TestOperator(cp);
  const manifest = join(scratch, 'cluster.yaml');
  writeFileSync(
    manifest,
    `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: pg
spec:
  instances: 2
  storage:
    size: 1Gi
  backup:
    barmanObjectStore:
      destinationPath: file://${storeDir}
`,
  );
  await ok(['apply', '-f', manifest]);
  await healthy('pg-1');
});

after(async () => {
  operator?.kill();
  await kubelet?.stop();
  await cp?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

test('kubectl cnpg status shows what each instance manager reports, through the Pod proxy', { timeout: 120_000 }, async () => {
  const text = await ok(['cnpg', 'status', 'pg']);
  assert.match(text, /Cluster in healthy state/);
  assert.match(text, /Primary instance:\s+pg-1/);
  assert.match(text, /pg-rw\.default\.svc:5432/);
  const json = JSON.parse(await ok(['cnpg', 'status', 'pg', '-o', 'json'])) as {
    instancesStatus: Array<{ name: string; isPrimary: boolean; currentLsn?: string; error?: string; ready: boolean; replication?: Array<{ applicationName: string; state: string }> }>;
  };
  assert.deepEqual(
    json.instancesStatus.map((i) => [i.name, i.isPrimary, i.ready, i.error]),
    [
      ['pg-1', true, true, undefined],
      ['pg-2', false, true, undefined],
    ],
  );
  // Positions and the replication table come from the managers themselves, not from the Cluster status.
  assert.match(json.instancesStatus[0]!.currentLsn ?? '', /^[0-9A-F]+\/[0-9A-F]+$/);
  assert.deepEqual(
    json.instancesStatus[0]!.replication?.map((r) => [r.applicationName, r.state]),
    [['pg-2', 'streaming']],
  );
});

test('kubectl cnpg refuses bad input with a message and a non-zero exit', { timeout: 60_000 }, async () => {
  const missing = await kubectl(['cnpg', 'status', 'nope']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /Error from server \(NotFound\): clusters\.postgresql\.cnpg\.io "nope" not found/);
  const stranger = await kubectl(['cnpg', 'promote', 'pg', '7']);
  assert.notEqual(stranger.code, 0);
  assert.match(stranger.stderr, /instance pg-7 is not part of cluster pg \(instances: pg-1, pg-2\)/);
  const already = await kubectl(['cnpg', 'promote', 'pg', 'pg-1']);
  assert.match(already.stderr, /pg-1 is already the primary of pg/);
  const mode = await kubectl(['cnpg', 'fencing', 'maybe', 'pg', 'pg-2']);
  assert.match(mode.stderr, /fencing takes "on" or "off", got "maybe"/);
  const ghost = await kubectl(['cnpg', 'fencing', 'on', 'pg', 'pg-9']);
  assert.notEqual(ghost.code, 0, ghost.stdout);
  assert.match(ghost.stderr, /instance pg-9 is not part of cluster pg \(instances: pg-1, pg-2; "\*" stands for all of them\)/);
  const context = await kubectl(['cnpg', '--context', 'elsewhere', 'status', 'pg']);
  assert.notEqual(context.code, 0);
  assert.match(context.stderr, /context "elsewhere" does not exist/);
  const unreachable = await kubectl(['cnpg', 'status', 'pg'], { KUBECONFIG: join(scratch, 'no-such-kubeconfig') });
  assert.notEqual(unreachable.code, 0);
  assert.match(unreachable.stderr, /error: /);
  assert.equal((await readPg()).metadata.annotations?.['cnpg.io/targetPrimary'], undefined, 'nothing was written');
  assert.equal((await readPg()).metadata.annotations?.['cnpg.io/fencedInstances'], undefined, 'nothing was fenced');
});

test('kubectl cnpg psql runs psql in the primary\'s Pod through kubectl exec', { timeout: 60_000 }, async () => {
  assert.equal((await ok(['cnpg', 'psql', 'pg', '--', '-tAc', 'select current_database(), pg_is_in_recovery(), 6*7'])).trim(), 'app|f|42');
  assert.equal((await ok(['cnpg', 'psql', 'pg', '--replica', '--', '-tAc', 'select pg_is_in_recovery()'])).trim(), 't');
  const failing = await kubectl(['cnpg', 'psql', 'pg', '--', '-tAc', 'select nope']);
  assert.equal(failing.code, 1, 'psql\'s exit status comes back through kubectl');
  assert.match(failing.stderr, /column "nope" does not exist/);
});

test('kubectl cnpg fencing on stops PostgreSQL of one instance; off starts it again', { timeout: 180_000 }, async () => {
  assert.equal((await ok(['cnpg', 'fencing', 'on', 'pg', 'pg-2'])).trim(), 'pg-2 of cluster pg fenced');
  assert.equal((await readPg()).metadata.annotations?.['cnpg.io/fencedInstances'], '["pg-2"]');
  await eventually('pg-2 to report fenced', async () => {
    const json = JSON.parse(await ok(['cnpg', 'status', 'pg', '-o', 'json'])) as { instancesStatus: Array<{ name: string; ready: boolean }> };
    return json.instancesStatus.find((i) => i.name === 'pg-2')?.ready === false;
  }, 60_000, 500);
  assert.equal((await ok(['cnpg', 'fencing', 'off', 'pg', 'pg-2'])).trim(), 'pg-2 of cluster pg unfenced');
  assert.equal((await readPg()).metadata.annotations?.['cnpg.io/fencedInstances'], undefined);
  await healthy('pg-1');
});

test('kubectl cnpg promote switches the primary over', { timeout: 240_000 }, async () => {
  assert.equal((await ok(['cnpg', 'promote', 'pg', '2'])).trim(), 'Node pg-2 in cluster pg will be promoted');
  await healthy('pg-2');
  assert.equal((await readPg()).metadata.annotations?.['cnpg.io/targetPrimary'], undefined, 'the operator consumed the request');
  assert.match(await ok(['cnpg', 'status', 'pg']), /Primary instance:\s+pg-2/);
});

interface InstanceRow {
  name: string;
  postmasterPid?: number;
  isPrimary: boolean;
}

const instanceRows = async (): Promise<InstanceRow[]> => (JSON.parse(await ok(['cnpg', 'status', 'pg', '-o', 'json'])) as { instancesStatus: InstanceRow[] }).instancesStatus;
const confLoadTime = async (replica: boolean): Promise<string> => (await ok(['cnpg', 'psql', 'pg', ...(replica ? ['--replica'] : []), '--', '-tAc', 'select pg_conf_load_time()'])).trim();

test('kubectl cnpg reload makes every instance reload, without a restart', { timeout: 120_000 }, async () => {
  const before = { primary: await confLoadTime(false), replica: await confLoadTime(true), pids: (await instanceRows()).map((i) => i.postmasterPid) };
  assert.equal((await ok(['cnpg', 'reload', 'pg'])).trim(), 'cluster pg reload requested');
  await eventually('both instances reloaded', async () => (await confLoadTime(false)) !== before.primary && (await confLoadTime(true)) !== before.replica, 60_000, 500);
  assert.deepEqual((await instanceRows()).map((i) => i.postmasterPid), before.pids, 'no postmaster was restarted');
});

test('kubectl cnpg restart restarts every instance and keeps the primary; one standby by its Pod', { timeout: 240_000 }, async () => {
  const before = await instanceRows();
  assert.equal((await ok(['cnpg', 'restart', 'pg'])).trim(), 'cluster pg restart requested: standbys first, then the primary');
  await eventually('new postmasters everywhere', async () => {
    const now = await instanceRows();
    return now.every((i) => i.postmasterPid !== undefined && i.postmasterPid !== before.find((b) => b.name === i.name)?.postmasterPid);
  }, 180_000, 1000);
  await healthy('pg-2');
  const refused = await kubectl(['cnpg', 'restart', 'pg', 'pg-2']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /pg-2 is the primary; restart the whole cluster/);
  const standby = (await instanceRows()).find((i) => i.name === 'pg-1')!.postmasterPid;
  assert.equal((await ok(['cnpg', 'restart', 'pg', '1'])).trim(), 'instance pg-1 restarted');
  await eventually('pg-1 running again with a new postmaster', async () => {
    const row = (await instanceRows()).find((i) => i.name === 'pg-1');
    return row?.postmasterPid !== undefined && row.postmasterPid !== standby;
  }, 120_000, 1000);
  await healthy('pg-2');
});

test('kubectl cnpg backup --wait creates a Backup and waits for it to complete', { timeout: 240_000 }, async () => {
  const out = await ok(['cnpg', 'backup', 'pg', '--backup-name', 'first', '--wait', '--timeout', '200s']);
  assert.match(out, /^backup\.postgresql\.cnpg\.io\/first created$/m);
  assert.match(out, /^backup first completed: \d{8}T\d{6} \(WAL [0-9A-F]{24} to [0-9A-F]{24}\)$/m);
  assert.equal(await ok(['get', 'backups', '-o', 'jsonpath={.items[*].status.phase}']), 'completed');
});
