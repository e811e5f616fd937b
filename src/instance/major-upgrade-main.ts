#!/usr/bin/env node
// `node major-upgrade-main.js <instance folder> <old bin dir> <new bin dir> <port>`: the major upgrade
// of a stopped instance's data (major-upgrade.ts), run by the platform as the instance's own user.
// Prints the outcome as one JSON line, the last of its output; exits 0 whenever it could say one.
import { instancePaths } from './paths.js';
import { upgradeMajor } from './major-upgrade.js';

async function main(): Promise<void> {
  const [root, oldBinDir, newBinDir, port] = process.argv.slice(2);
  if (!root || !oldBinDir || !newBinDir || !port || !/^\d+$/.test(port)) {
    process.stderr.write('usage: major-upgrade <instance folder> <old bin dir> <new bin dir> <port>\n');
    process.exit(2);
  }
  const paths = instancePaths(root, Number(port));
  const outcome = await upgradeMajor({ root, pgdata: paths.pgdata, oldBinDir, newBinDir, socketDir: paths.socketDir, port: Number(port) });
  process.stdout.write(JSON.stringify(outcome) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
