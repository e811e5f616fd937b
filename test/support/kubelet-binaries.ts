// Which of this machine's PostgreSQL builds an operand image stands for in the stand-in kubelet, as
// a real node would pull the image: Debian's installed major when there is one (the tests' 15), else
// the cached PyPI build of the image's tag (src/postgres/distributions.ts; fetch it first with
// obtainPostgres, as the tests do).
import { existsSync } from 'node:fs';
import { versionFromImageName } from '../../src/api/image.js';
import { installedBuilds } from '../../src/postgres/distributions.js';

export function debianBinDir(major: number): string {
  return `/usr/lib/postgresql/${major}/bin`;
}

/** The host folder with the image's PostgreSQL binaries; undefined when the image names no version this machine has. */
export function hostBinDirOf(image: string): string | undefined {
  const wanted = versionFromImageName(image);
  if (!wanted) return undefined;
  const builds = installedBuilds();
  const exact = wanted.minor === undefined ? undefined : builds.find((b) => b.version === `${wanted.major}.${wanted.minor}`);
  if (exact) return exact.binDir;
  if (existsSync(`${debianBinDir(wanted.major)}/postgres`)) return debianBinDir(wanted.major);
  return builds.find((b) => b.major === wanted.major)?.binDir;
}

/**
 * The PATH an instance Pod's manager gets: unchanged where Debian has the image's major (the spec's
 * binDir exists), else with the image's build first, which the manager then finds on PATH
 * (instance/pod-binaries.ts), as in an image with PostgreSQL on PATH.
 */
export function instancePodPath(image: string, path: string | undefined): string | undefined {
  const major = versionFromImageName(image)?.major;
  if (major === undefined || existsSync(`${debianBinDir(major)}/postgres`)) return path;
  const binDir = hostBinDirOf(image);
  return binDir ? [binDir, path].filter(Boolean).join(':') : path;
}
