// Runs every compiled *.test.js with node's test runner and ends with the summary line CI reads.
//
// The files are not handed to one `node --test --test-concurrency=3`: that runner starts them in the
// order given and lets a real-node file (dist/test/e2e/, one node on the machine at a time) hold a
// slot for minutes while it waits for another file's node. Here SLOTS `node --test` children run at
// once; the longest expected files start first (scripts/test-durations.json, seconds; a run writes
// what it measured to .test-durations.json, to copy over when files grew or shrank), so the end of
// the run is not one long file alone; a real-node file takes a slot only when no other holds the
// node. Short files go together in one child so that each does not pay a runner's start.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

// The machine has 2 cores and the integration tests keep both busy at 3 (vmstat: no idle CPU).
const SLOTS = 3;
const REAL_NODE = /(^|\/)dist\/test\/e2e\//;
// Files expected to take less than this share a child, up to BATCH_SECONDS or BATCH_FILES together.
const ALONE_SECONDS = 5;
const BATCH_SECONDS = 15;
const BATCH_FILES = 40;

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testFiles(join(dir, e.name)) : e.name.endsWith('.test.js') ? [join(dir, e.name)] : [],
  );
}

const roots = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['dist/src', 'dist/bench', 'dist/test'];
const files = roots.flatMap(testFiles);
const table = JSON.parse(readFileSync(new URL('./test-durations.json', import.meta.url), 'utf8'));
// A file not in the table yet: an integration file is rarely short, a unit file rarely long.
const expected = (f) => table[f] ?? (f.startsWith('dist/test/') ? 60 : 1);

function jobsOf(list) {
  const sorted = [...list].sort((a, b) => expected(b) - expected(a) || a.localeCompare(b));
  const jobs = [];
  let batch;
  for (const f of sorted) {
    if (expected(f) >= ALONE_SECONDS || REAL_NODE.test(f)) {
      jobs.push({ files: [f], seconds: expected(f), realNode: REAL_NODE.test(f) });
      continue;
    }
    if (!batch || batch.seconds + expected(f) > BATCH_SECONDS || batch.files.length >= BATCH_FILES) {
      batch = { files: [], seconds: 0, realNode: false };
      jobs.push(batch);
    }
    batch.files.push(f);
    batch.seconds += expected(f);
  }
  return jobs;
}

const SUMMARY = /^ℹ (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) /;

/** Copies a child's spec lines to stdout a top-level test at a time, so two files never mix inside one. */
function forward(stream) {
  let held = [];
  const flush = () => {
    if (held.length > 0) process.stdout.write(held.join('\n') + '\n');
    held = [];
  };
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (SUMMARY.test(line)) return;
    held.push(line);
    if (/^[✔✖﹣] /.test(line)) flush();
  });
  return new Promise((resolve) => lines.on('close', () => (flush(), resolve())));
}

const work = mkdtempSync(join(tmpdir(), 'cnpg-ts-tests-'));
const children = new Set();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const c of children) c.kill(signal);
    process.exit(130);
  });
}

function runJob(job, index) {
  const tap = join(work, `${index}.tap`);
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ['--test', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tap}`, '--test-concurrency=1', ...job.files],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.add(child);
  const copied = forward(child.stdout);
  return new Promise((resolve) => {
    child.on('exit', async (code, signal) => {
      children.delete(child);
      await copied;
      resolve({ job, tap, code: code ?? (signal ? 128 : 1), seconds: (performance.now() - started) / 1000 });
    });
  });
}

async function runAll(jobs) {
  const queue = [...jobs];
  const results = [];
  const running = new Set();
  let nodeHeld = false;
  let index = 0;
  await new Promise((done) => {
    const fill = () => {
      while (running.size < SLOTS) {
        const at = queue.findIndex((j) => !(j.realNode && nodeHeld));
        if (at < 0) break;
        const [job] = queue.splice(at, 1);
        if (job.realNode) nodeHeld = true;
        const p = runJob(job, index++).then((r) => {
          running.delete(p);
          if (job.realNode) nodeHeld = false;
          results.push(r);
          fill();
        });
        running.add(p);
      }
      if (running.size === 0 && queue.length === 0) done();
    };
    fill();
  });
  return results;
}

const COUNTS = ['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo'];

/** One TAP document from the children's: top-level tests renumbered, one plan, the counts summed. */
function combineTap(results) {
  const totals = Object.fromEntries(COUNTS.map((k) => [k, 0]));
  const body = [];
  let n = 0;
  for (const r of results) {
    if (!existsSync(r.tap)) continue;
    for (const line of readFileSync(r.tap, 'utf8').split('\n')) {
      const count = /^# (\w+) (\d+)$/.exec(line);
      if (count && count[1] in totals) totals[count[1]] += Number(count[2]);
      else if (/^# duration_ms /.test(line) || line === 'TAP version 13' || /^1\.\.\d+$/.test(line) || line === '') continue;
      else body.push(line.replace(/^(not )?ok \d+/, (_, not) => `${not ?? ''}ok ${++n}`));
    }
  }
  // A child that died before writing its results counts as a failure, never as nothing.
  const lost = results.filter((r) => r.code !== 0 && !existsSync(r.tap));
  for (const r of lost) {
    totals.fail += 1;
    body.push(`not ok ${++n} - ${r.job.files.join(' ')} exited ${r.code} without results`);
  }
  return { totals, text: ['TAP version 13', ...body, `1..${n}`, ...COUNTS.map((k) => `# ${k} ${totals[k]}`), ''].join('\n') };
}

const started = performance.now();
const results = await runAll(jobsOf(files));
const { totals, text } = combineTap(results);
writeFileSync('.test-results.tap', text);
const measured = { ...table };
for (const r of results) if (r.job.files.length === 1) measured[r.job.files[0]] = Math.round(r.seconds);
writeFileSync('.test-durations.json', JSON.stringify(Object.fromEntries(Object.entries(measured).sort(([a, x], [b, y]) => y - x || a.localeCompare(b))), null, 1) + '\n');
rmSync(work, { recursive: true, force: true });
for (const r of results.filter((x) => x.code !== 0)) console.log(`ℹ exit ${r.code}: ${r.job.files.join(' ')}`);
console.log(`ℹ ${results.length} runs of ${files.length} files in ${Math.round((performance.now() - started) / 1000)} s`);
console.log(`${totals.pass} passed, ${totals.fail + totals.cancelled} failed, ${totals.skipped + totals.todo} skipped`);
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
