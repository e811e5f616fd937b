// bench/bootstrap: apply → Ready for 1 and 3 instances (median of N), against doing the same by
// hand with PostgreSQL's own tools (initdb, postgres, pg_basebackup) in the same run; plus the
// resident memory of the operator, each instance manager and the endpoint proxy.
//
//   node dist/bench/bootstrap.js [--trials 5]
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { lookupUser, isRoot } from '../src/platform/local/home.js';
import { freePort } from '../src/platform/local/ports.js';
import { resolveInstallation } from '../src/postgres/binaries.js';
import { setTimeout as sleep } from 'node:timers/promises';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const trialsArg = process.argv.indexOf('--trials');
const TRIALS = trialsArg > 0 ? Number(process.argv[trialsArg + 1]) : 5;
const runAs = isRoot() ? lookupUser('postgres') : undefined;
const bin = resolveInstallation(undefined).binDir;

function cnpg(home: string, args: string[], input?: string): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, CNPG_HOME: home }, input, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`cnpg ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function manifest(name: string, instances: number): string {
  return `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: ${name}
spec:
  instances: ${instances}
  storage:
    size: 1Gi
  bootstrap:
    initdb:
      database: app
      owner: app
`;
}

async function timeOurs(home: string, name: string, instances: number): Promise<number> {
  const t0 = performance.now();
  cnpg(home, ['apply', '-f', '-'], manifest(name, instances));
  cnpg(home, ['wait', '--for=condition=Ready', `cluster/${name}`, '--timeout=300s']);
  return (performance.now() - t0) / 1000;
}

function runTool(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(bin, file), args, { uid: runAs?.uid, gid: runAs?.gid, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${file}: ${err}`))));
  });
}

async function waitAccepting(port: number, standby: boolean): Promise<void> {
  for (;;) {
    try {
      const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', password: 'bench' });
      await c.connect();
      const r = await c.query(standby ? "SELECT status FROM pg_stat_wal_receiver" : 'SELECT 1 AS status');
      await c.end();
      if (!standby || r.rows[0]?.status === 'streaming') return;
    } catch {
      /* not yet */
    }
    await sleep(50);
  }
}

/** The same end state by hand: initdb, start, role and database, then clone and start standbys. */
async function timeDirect(dir: string, instances: number): Promise<{ seconds: number; stop: () => void }> {
  const procs: ReturnType<typeof spawn>[] = [];
  const start = (data: string, port: number) => {
    const p = spawn(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`], {
      uid: runAs?.uid,
      gid: runAs?.gid,
      stdio: 'ignore',
    });
    procs.push(p);
  };
  const t0 = performance.now();
  const primary = join(dir, 'p');
  const pw = join(dir, 'pw');
  writeFileSync(pw, 'bench\n');
  if (runAs) chownSync(pw, runAs.uid, runAs.gid);
  await runTool('initdb', ['-D', primary, '-U', 'postgres', '--auth-host=scram-sha-256', '--auth-local=peer', `--pwfile=${pw}`, '-E', 'UTF8', '--locale=C']);
  writeFileSync(join(primary, 'pg_hba.conf'), 'local all all peer\nhost all all 127.0.0.1/32 scram-sha-256\nhost replication all 127.0.0.1/32 scram-sha-256\n');
  const port = await freePort();
  start(primary, port);
  await waitAccepting(port, false);
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', password: 'bench' });
  await c.connect();
  await c.query("CREATE ROLE app LOGIN PASSWORD 'x'");
  await c.query('CREATE DATABASE app OWNER app');
  await c.end();
  for (let i = 1; i < instances; i++) {
    const data = join(dir, `s${i}`);
    await runTool('pg_basebackup', ['-D', data, '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-X', 'stream', '-c', 'fast', '-R', '-d', `host=127.0.0.1 port=${port} user=postgres password=bench`]);
    const sport = await freePort();
    start(data, sport);
    await waitAccepting(sport, true);
  }
  return { seconds: (performance.now() - t0) / 1000, stop: () => procs.reverse().forEach((p) => p.kill('SIGINT')) };
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fmt = (n: number) => n.toFixed(2);

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'cnpg-bench-'));
  const scratch = mkdtempSync(join(tmpdir(), 'cnpg-bench-direct-'));
  chmodSync(scratch, 0o777);
  const rows: string[][] = [];
  let memory: Array<[string, number]> = [];
  try {
    cnpg(home, ['get', 'clusters']); // starts the operator, outside the timings
    for (const instances of [1, 3]) {
      const ours: number[] = [];
      const direct: number[] = [];
      for (let t = 0; t < TRIALS; t++) {
        const name = `bench-${instances}-${t}`;
        ours.push(await timeOurs(home, name, instances));
        if (instances === 3 && t === 0) memory = measureMemory(home, name);
        cnpg(home, ['delete', 'cluster', name]);
        const d = mkdtempSync(join(scratch, 'd-'));
        chmodSync(d, 0o777);
        const run = await timeDirect(d, instances);
        direct.push(run.seconds);
        run.stop();
        await sleep(500);
        rmSync(d, { recursive: true, force: true });
      }
      rows.push([`${instances}`, fmt(median(ours)), fmt(Math.min(...ours)), fmt(Math.max(...ours)), fmt(median(direct)), fmt(median(ours) / median(direct))]);
    }
  } finally {
    spawnSync(process.execPath, [CLI, 'operator', 'stop'], { env: { ...process.env, CNPG_HOME: home } });
    spawnSync('pkill', ['-f', home]);
    rmSync(home, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
  console.log(`\napply → Ready (seconds, ${TRIALS} trials each; direct = initdb + postgres + pg_basebackup by hand)`);
  printTable(['instances', 'cnpg median', 'min', 'max', 'direct median', 'ratio'], rows);
  console.log('\nresident memory with a 3-instance cluster Ready (MB)');
  printTable(['process', 'RSS MB'], memory.map(([n, v]) => [n, fmt(v)]));
}

function measureMemory(home: string, cluster: string): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  const state = JSON.parse(readFileSync(join(home, 'operator.json'), 'utf8')) as { pid: number };
  out.push(['operator (daemon)', rssMb(state.pid)]);
  const dir = join(home, 'instances', 'default', cluster);
  for (const entry of readdirSync(dir).sort()) {
    try {
      const rec = JSON.parse(readFileSync(join(dir, entry, 'platform.json'), 'utf8')) as { managerPid: number };
      out.push([`instance manager ${entry}`, rssMb(rec.managerPid)]);
    } catch {
      /* not an instance folder */
    }
  }
  const proxy = JSON.parse(readFileSync(join(dir, 'proxy.json'), 'utf8')) as { pid: number };
  out.push(['endpoint proxy', rssMb(proxy.pid)]);
  return out;
}

function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  console.log(line(headers));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(r));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
