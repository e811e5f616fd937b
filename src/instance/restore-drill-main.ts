#!/usr/bin/env node
// `node restore-drill-main.js`: one restore drill (restore-drill.ts).
// - Locally the platform runs it as the cluster's own user, with the request as JSON on stdin (it
//   holds the store's credentials, which must never be in a process's arguments).
// - In a Kubernetes drill Pod: `restore-drill-main.js --pod <task file> <work dir> <socket dir> <bin dir> <port>`;
//   the task (a DrillTask, credentials included) is a file of a mounted Secret, the two folders are
//   made below the Pod's throwaway volume.
// The outcome is printed as one JSON line, the last of the output, and written to CNPG_OUTCOME_FILE
// when set (a Pod's termination message); the exit code is 0 whenever an outcome could be said.
// SIGTERM (the platform's deadline) stops the throwaway server and deletes its folders.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { text } from 'node:stream/consumers';
import { instancePaths } from './paths.js';
import { readPostmasterPid } from './postmaster.js';
import { runRestoreDrill, type DrillRequest, type DrillTask } from './restore-drill.js';
import { outcomeLine } from './restore-drill-report.js';

function abandon(req: DrillRequest): void {
  const pid = readPostmasterPid(instancePaths(req.workDir, req.port).pgdata);
  if (pid !== undefined) {
    try {
      process.kill(pid, 'SIGQUIT');
    } catch {
      /* already gone */
    }
  }
  rmSync(req.workDir, { recursive: true, force: true });
  rmSync(req.socketDir, { recursive: true, force: true });
}

const USAGE = 'usage: restore-drill-main (request JSON on stdin) | restore-drill-main --pod <task file> <work dir> <socket dir> <bin dir> <port>';

/** JSON.parse quotes the text it fails on, and this one holds credentials: its message is not passed on. */
function parseTask(content: string, file: string): DrillTask {
  try {
    return JSON.parse(content) as DrillTask;
  } catch {
    throw new Error(`the drill's task file ${file} is not JSON`);
  }
}

async function podRequest(args: string[]): Promise<DrillRequest> {
  const [taskFile, workDir, socketDir, binDir, port] = args;
  if (!taskFile || !workDir || !socketDir || !binDir || !port || !/^\d{1,5}$/.test(port)) throw new Error(USAGE);
  const task = parseTask(readFileSync(taskFile, 'utf8'), taskFile);
  for (const dir of [workDir, socketDir]) mkdirSync(dir, { recursive: true, mode: 0o700 });
  return { ...task, workDir, socketDir, binDir, port: Number(port) };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const req = args[0] === '--pod' ? await podRequest(args.slice(1)) : args.length === 0 ? (JSON.parse(await text(process.stdin)) as DrillRequest) : undefined;
  if (!req) throw new Error(USAGE);
  process.once('SIGTERM', () => {
    abandon(req);
    process.exit(143);
  });
  const outcome = await runRestoreDrill(req);
  process.stdout.write(JSON.stringify(outcome) + '\n');
  const outcomeFile = process.env.CNPG_OUTCOME_FILE;
  if (outcomeFile) writeFileSync(outcomeFile, outcomeLine(outcome));
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
