// A self-contained copy of the instance and pooler managers: a Node.js runtime and the app
// (package.json, dist/src without tests, the production node_modules), made by the Pods' init
// container (bootstrap-controller.ts) into a volume the main container runs it from.
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, type Stats } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { writeFileAtomicallySync } from '../objectstore/atomic-file.js';

/** Within the target: the runtime, the app, and the digest of the copy, written last. */
export const MANAGER_LAYOUT = { node: 'node', app: 'app', done: '.copied' } as const;
const STAGING = '.staging';

interface SourceFile {
  /** Relative to the target ('node', 'app/dist/src/…'). */
  to: string;
  from: string;
  stat: Stats;
}

/** Packages the lockfile marks as development-only; none when there is no lockfile. */
function devPackages(appRoot: string): Set<string> {
  const lockfile = join(appRoot, 'package-lock.json');
  if (!existsSync(lockfile)) return new Set();
  const packages = (JSON.parse(readFileSync(lockfile, 'utf8')) as { packages?: Record<string, { dev?: boolean }> }).packages ?? {};
  return new Set(Object.entries(packages).filter(([, p]) => p.dev === true).map(([path]) => path.split('/').join(sep)));
}

const isTest = (name: string) => /\.test\.(js|js\.map|d\.ts)$/.test(name);
/** What no package loads at run time: TypeScript sources and declarations, source maps, documentation (licences stay). */
const isDevelopmentFile = (name: string) => /\.([cm]?ts|map|md|markdown)$/i.test(name);

/**
 * Every file to copy, following symbolic links (a development tree's node_modules may be one), in
 * a stable order. `.bin` folders are left out: they only hold links to the packages' own scripts.
 * The copy is made for every Pod, so what only a developer reads is left out of node_modules.
 */
function sourceFiles(runtime: string, appRoot: string): SourceFile[] {
  const dev = devPackages(appRoot);
  const files: SourceFile[] = [{ to: MANAGER_LAYOUT.node, from: runtime, stat: statSync(runtime) }];
  const walk = (rel: string) => {
    const from = join(appRoot, rel);
    const stat = statSync(from);
    if (stat.isDirectory()) {
      for (const name of readdirSync(from).sort()) {
        const child = join(rel, name);
        if (name === '.bin' || dev.has(child) || isTest(name)) continue;
        if (rel.startsWith('node_modules') && isDevelopmentFile(name)) continue;
        walk(child);
      }
    } else if (stat.isFile()) {
      files.push({ to: join(MANAGER_LAYOUT.app, rel), from, stat });
    }
  };
  for (const part of ['package.json', join('dist', 'src'), 'node_modules']) if (existsSync(join(appRoot, part))) walk(part);
  return files;
}

/** Names, sizes, modes and times: files in an image never change under the same digest. */
function digestOf(files: SourceFile[]): string {
  const hash = createHash('sha256');
  for (const f of files) hash.update(`${f.to}\0${f.stat.size}\0${f.stat.mode}\0${f.stat.mtimeMs}\n`);
  return hash.digest('hex');
}

export interface CopyResult {
  copied: boolean;
  files: number;
  bytes: number;
  digest: string;
}

/**
 * Copies the runtime and the app into `target`. A restarted init container may find a copy it
 * left half done: the digest file is written last, so a copy without it (or with another digest)
 * is removed and made again in a staging folder, then moved into place. A complete copy of the
 * same files is kept as it is.
 */
export function copyManager(target: string, source: { runtime: string; appRoot: string }): CopyResult {
  const files = sourceFiles(source.runtime, source.appRoot);
  const digest = digestOf(files);
  const bytes = files.reduce((n, f) => n + f.stat.size, 0);
  const doneFile = join(target, MANAGER_LAYOUT.done);
  if (existsSync(doneFile) && readFileSync(doneFile, 'utf8').trim() === digest) return { copied: false, files: files.length, bytes, digest };

  mkdirSync(target, { recursive: true });
  for (const name of [MANAGER_LAYOUT.done, STAGING, MANAGER_LAYOUT.node, MANAGER_LAYOUT.app]) rmSync(join(target, name), { recursive: true, force: true });
  const staging = join(target, STAGING);
  for (const f of files) {
    const to = join(staging, f.to);
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(f.from, to);
    // Read-only for everyone but runnable where the source is: the main container only reads it.
    chmodSync(to, f.stat.mode & 0o111 ? 0o555 : 0o444);
  }
  renameSync(join(staging, MANAGER_LAYOUT.node), join(target, MANAGER_LAYOUT.node));
  renameSync(join(staging, MANAGER_LAYOUT.app), join(target, MANAGER_LAYOUT.app));
  rmSync(staging, { recursive: true, force: true });
  writeFileAtomicallySync(doneFile, `${digest}\n`, { mode: 0o444 });
  return { copied: true, files: files.length, bytes, digest };
}
