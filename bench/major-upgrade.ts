// bench/major-upgrade: write downtime of a declarative major upgrade (15 → 16, pg_upgrade --link on
// the primary, as operator/major-upgrade.ts plans it) of a database of --size-mb, against the
// same upgrade by hand on a cluster of the same size: stop, initdb, pg_upgrade --link, start.
// The same writer runs against both; the figure is the ratio of the two downtimes.
//
//   node dist/bench/major-upgrade.js [--size-mb 1024] [--instances 1] [--to 16.13]
import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { obtainPostgres } from '../src/postgres/distributions.js';
import { resolveInstallation } from '../src/postgres/binaries.js';
import { printTable } from './failover/report.js';
import { cleanupOnSignals, poll, run } from './failover/procs.js';
import { BenchHome } from './local-home.js';
import { fillSql, startWriter } from './major-upgrade/writer.js';
import { runBench } from './run.js';

interface Options {
  sizeMb: number;
  instances: number;
  to: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { sizeMb: 1024, instances: 1, to: '16.13' };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--size-mb' && /^\d+$/.test(value)) o.sizeMb = Number(value);
    else if (flag === '--instances' && /^[1-9]$/.test(value)) o.instances = Number(value);
    else if (flag === '--to' && /^1[6-9]\.\d+$/.test(value)) o.to = value;
    else throw new Error(`usage: major-upgrade [--size-mb N] [--instances 1-9] [--to 16.13]; got ${flag} ${value}`);
  }
  return o;
}

const log = (line: string) => console.log(line);
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function query(connectionString: string, sql: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

interface Figure {
  downtimeMs: number;
  totalMs: number;
  acknowledged: number;
}

async function declarative(o: Options): Promise<Figure> {
  const home = new BenchHome('cnpg-bench-major-');
  const manifest = (tag: string) => `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: bench-major
spec:
  instances: ${o.instances}
  imageName: ghcr.io/cloudnative-pg/postgresql:${tag}
  storage:
    size: 2Gi
`;
  try {
    await home.cnpg(['apply', '-f', '-'], manifest('15'));
    await home.cnpg(['wait', '--for=condition=Ready', 'cluster/bench-major', '--timeout=300s'], undefined, 310_000);
    const appUri = async () => {
      const secret = JSON.parse(await home.cnpg(['get', 'secret', 'bench-major-app', '-o', 'json'])) as { data: Record<string, string> };
      const u = new URL(Buffer.from(secret.data.uri ?? '', 'base64').toString('utf8'));
      u.port = (await home.cnpg(['get', 'svc', 'bench-major-rw', '-o', 'jsonpath={.spec.ports[0].port}'])).trim();
      return u.toString();
    };
    const uri = await appUri();
    log(`declarative: filling ${o.sizeMb} MB`);
    await query(uri, fillSql(o.sizeMb));
    const writer = await startWriter(async () => uri);
    await sleep(2000);
    const started = Date.now();
    log(`declarative: patching imageName to ${o.to}`);
    await home.cnpg(['patch', 'cluster', 'bench-major', '--type=merge', '-p', JSON.stringify({ spec: { imageName: `ghcr.io/cloudnative-pg/postgresql:${o.to}` } })]);
    const done = await poll(async () => {
      const c = JSON.parse(await home.cnpg(['get', 'cluster', 'bench-major', '-o', 'json'])) as { status?: { phase?: string; readyInstances?: number; pgDataImageInfo?: { majorVersion: number }; phaseReason?: string } };
      if (c.status?.phase === 'Waiting for user action') throw new Error(`the upgrade failed: ${c.status.phaseReason}`);
      return c.status?.phase === 'Cluster in healthy state' && c.status.readyInstances === o.instances && c.status.pgDataImageInfo?.majorVersion === Number(o.to.split('.')[0]) ? Date.now() : undefined;
    }, 900_000, 250);
    if (done === undefined) throw new Error('the declarative upgrade did not finish in 15 minutes');
    await sleep(2000);
    const w = await writer.stop();
    const version = (await query(uri, 'SHOW server_version')).rows[0].server_version as string;
    if (version !== o.to) throw new Error(`the upgraded cluster runs ${version}, not ${o.to}`);
    return { downtimeMs: w.downtimeMs, totalMs: done - started, acknowledged: w.acknowledged };
  } finally {
    await home.remove('bench-major');
  }
}

/** The same upgrade by hand, as the postgres user when root: PostgreSQL refuses to run as root. */
async function byHand(o: Options, newBinDir: string): Promise<Figure> {
  const oldBinDir = resolveInstallation(15).binDir;
  const dir = mkdtempSync(join(tmpdir(), 'bench-major-hand-'));
  const asRoot = process.getuid?.() === 0;
  const uid = asRoot ? Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })) : undefined;
  const gid = asRoot ? Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })) : undefined;
  if (uid !== undefined && gid !== undefined) chownSync(dir, uid, gid);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const tool = async (binDir: string, name: string, args: string[]) => {
    const r = await run(join(binDir, name), args, { uid, gid, cwd: dir, env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' }, timeoutMs: 1_800_000 });
    if (r.code !== 0) throw new Error(`${name} ${args.join(' ')}: ${r.stderr || r.stdout}`);
  };
  const oldData = join(dir, 'data15');
  const newData = join(dir, 'data16');
  const start = (binDir: string, data: string) => tool(binDir, 'pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, 'start']);
  const uri = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  try {
    await tool(oldBinDir, 'initdb', ['-D', oldData, '-U', 'postgres', '--auth=trust']);
    await start(oldBinDir, oldData);
    log(`by hand: filling ${o.sizeMb} MB`);
    await query(uri, fillSql(o.sizeMb));
    const writer = await startWriter(async () => uri);
    await sleep(2000);
    const started = Date.now();
    log('by hand: stop, initdb, pg_upgrade --link, start');
    await tool(oldBinDir, 'pg_ctl', ['-D', oldData, '-m', 'fast', '-w', 'stop']);
    await tool(newBinDir, 'initdb', ['-D', newData, '-U', 'postgres', '--auth=trust']);
    await tool(newBinDir, 'pg_upgrade', ['-b', oldBinDir, '-B', newBinDir, '-d', oldData, '-D', newData, '-U', 'postgres', '-s', dir, '-p', String(port), '-P', String(port), '--link']);
    await start(newBinDir, newData);
    const done = Date.now();
    await sleep(2000);
    const w = await writer.stop();
    await tool(newBinDir, 'pg_ctl', ['-D', newData, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    return { downtimeMs: w.downtimeMs, totalMs: done - started, acknowledged: w.acknowledged };
  } finally {
    await run(join(oldBinDir, 'pg_ctl'), ['-D', oldData, '-m', 'immediate', 'stop'], { uid, gid }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(o: Options): Promise<void> {
  cleanupOnSignals();
  const [major, minor] = o.to.split('.').map(Number) as [number, number];
  const build = await obtainPostgres({ major, minor });
  const reference = await byHand(o, build.binDir);
  log(`by hand: writes stopped for ${sec(reference.downtimeMs)}`);
  const ours = await declarative(o);
  log(`declarative: writes stopped for ${sec(ours.downtimeMs)}`);
  printTable(
    ['system', 'size', 'instances', 'write downtime', 'change → done', 'acknowledged writes'],
    [
      ['cnpg-ts (imageName 15 → ' + o.to + ')', `${o.sizeMb} MB`, String(o.instances), sec(ours.downtimeMs), sec(ours.totalMs), String(ours.acknowledged)],
      ['by hand (pg_upgrade --link)', `${o.sizeMb} MB`, '1', sec(reference.downtimeMs), sec(reference.totalMs), String(reference.acknowledged)],
    ],
  );
  log(`ratio (cnpg-ts / by hand), write downtime: ${(ours.downtimeMs / reference.downtimeMs).toFixed(2)}`);
}

runBench(parseArgs, main);
