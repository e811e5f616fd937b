#!/usr/bin/env node
// `node restore-drill-main.js`: one restore drill (restore-drill.ts), run by the platform as the
// cluster's own user. The request comes as JSON on stdin (it holds the store's credentials, which
// must never be in a process's arguments); the outcome is printed as one JSON line, the last of
// the output. SIGTERM (the platform's deadline) stops the throwaway server and deletes its folders.
import { rmSync } from 'node:fs';
import { text } from 'node:stream/consumers';
import { instancePaths } from './paths.js';
import { readPostmasterPid } from './postmaster.js';
import { runRestoreDrill, type DrillRequest } from './restore-drill.js';

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

async function main(): Promise<void> {
  const req = JSON.parse(await text(process.stdin)) as DrillRequest;
  process.once('SIGTERM', () => {
    abandon(req);
    process.exit(143);
  });
  const outcome = await runRestoreDrill(req);
  process.stdout.write(JSON.stringify(outcome) + '\n');
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
