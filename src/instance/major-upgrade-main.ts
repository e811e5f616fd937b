#!/usr/bin/env node
// `node major-upgrade-main.js <instance folder> <old bin dir> <new bin dir> <port>`: the major upgrade
// of a stopped instance's data (major-upgrade.ts), run by the platform as the instance's own user.
// Prints the outcome as one JSON line, the last of its output; exits 0 whenever it could say one,
// and BUSY when another run on the same folder (one a restarted control plane lost) still works.
// With CNPG_OUTCOME_FILE set (a Kubernetes Pod: /dev/termination-log) the JSON goes there too, for
// the platform to read from the Pod's status once the container ended.
import { closeSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { instancePaths } from './paths.js';
import { upgradeMajor } from './major-upgrade.js';
import { isAlive } from './postmaster.js';

const BUSY_EXIT_CODE = 3;

/** One run per folder: a pid file made exclusively, taken over only from a process that is gone. */
function lock(root: string): boolean {
  const file = join(root, 'major-upgrade.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      process.on('exit', () => rmSync(file, { force: true }));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(readFileSync(file, 'utf8'));
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) return false;
      rmSync(file, { force: true });
    }
  }
  return false;
}

async function main(): Promise<void> {
  const [root, oldBinDir, newBinDir, port] = process.argv.slice(2);
  if (!root || !oldBinDir || !newBinDir || !port || !/^\d+$/.test(port)) {
    process.stderr.write('usage: major-upgrade <instance folder> <old bin dir> <new bin dir> <port>\n');
    process.exit(2);
  }
  if (!lock(root)) process.exit(BUSY_EXIT_CODE);
  const paths = instancePaths(root, Number(port));
  const outcome = await upgradeMajor({
    pgdata: paths.pgdata,
    oldBinDir,
    newBinDir,
    socketDir: paths.socketDir,
    port: Number(port),
    archiveSpools: [paths.archiveSpool, paths.restoreSpool],
    emptyArchiveCheck: paths.emptyArchiveCheck,
  });
  process.stdout.write(JSON.stringify(outcome) + '\n');
  const outcomeFile = process.env.CNPG_OUTCOME_FILE;
  if (outcomeFile) writeFileSync(outcomeFile, JSON.stringify(outcome));
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
