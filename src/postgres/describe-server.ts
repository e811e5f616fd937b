// Asks an installed PostgreSQL server binary to describe its parameters (see describe-config.ts).
// The server refuses to run as root, so the probes run as the instances' user when we are root.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { GucCatalog } from '../api/guc-catalog.js';
import { COMMITTED_CATALOGS } from '../api/guc-catalogs.js';
import { buildCatalog, knownAnswers, parseDescribeConfig, parseProbeRefusal, probeValue, type ProbeAnswer } from './describe-config.js';

export interface RunAs {
  uid: number;
  gid: number;
}

interface Output {
  stdout: string;
  stderr: string;
}

// No PGDATA and no configuration: a probe the server unexpectedly accepts stops at "does not
// know where to find the server configuration file" instead of starting anything.
const ENV = { LC_ALL: 'C', LANG: 'C', PATH: '/usr/bin:/bin' };
const PARALLEL_PROBES = 4;

function run(binary: string, args: string[], runAs: RunAs | undefined): Promise<Output> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { env: ENV, timeout: 10_000, maxBuffer: 8 * 2 ** 20, ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}) }, (error, stdout, stderr) => {
      // Probes exit non-zero by design; only a failure to run at all is an error.
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ stdout, stderr });
    });
  });
}

/** The catalog of the server in `binDir`, from its description and one probe per numeric or enum parameter. */
export async function describeServer(binDir: string, runAs?: RunAs, known: readonly GucCatalog[] = COMMITTED_CATALOGS): Promise<GucCatalog> {
  const postgres = join(binDir, 'postgres');
  const version = /\(PostgreSQL\) (\d+(?:\.\d+)?)/.exec((await run(postgres, ['--version'], runAs)).stdout)?.[1];
  if (!version) throw new Error(`${postgres} --version did not name a PostgreSQL version`);
  const described = parseDescribeConfig((await run(postgres, ['--describe-config'], runAs)).stdout);
  // A server starts a process per probe: a control plane that probed all of them at every start
  // would spend seconds of CPU; the committed catalog of the same major answers what is unchanged.
  const answers: Record<string, ProbeAnswer> = knownAnswers(described, known.find((c) => c.major === Number(version.split('.')[0])));
  const probes = Object.entries(described).flatMap(([name, description]) => {
    const value = name in answers ? undefined : probeValue(description);
    return value === undefined ? [] : [{ name, value }];
  });
  for (let i = 0; i < probes.length; i += PARALLEL_PROBES) {
    await Promise.all(
      probes.slice(i, i + PARALLEL_PROBES).map(async ({ name, value }) => {
        const { stderr } = await run(postgres, [`--${name}=${value}`], runAs);
        const answer = parseProbeRefusal(name, stderr);
        if (!answer) throw new Error(`${postgres} --${name}=${value} was not refused as expected: ${stderr.trim()}`);
        answers[name] = answer;
      }),
    );
  }
  return buildCatalog(version, described, answers);
}

const described = new Map<string, Promise<GucCatalog>>();

/** describeServer, once per binary directory for the life of the process. */
export function describeServerOnce(binDir: string, runAs?: RunAs): Promise<GucCatalog> {
  let catalog = described.get(binDir);
  if (!catalog) {
    catalog = describeServer(binDir, runAs);
    // A failure is not remembered: the next apply asks again.
    catalog.catch(() => described.delete(binDir));
    described.set(binDir, catalog);
  }
  return catalog;
}
