// Whether the libraries a Cluster preloads are files a build has: a missing one stops the server
// at its next start, so where the build is on this machine it is refused at apply instead.
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { usedManagedExtensions } from './libraries.js';

/** The build's own library folder (pg_config --pkglibdir): Debian's bin/../lib, a relocatable build's bin/../lib/postgresql. */
export function pkglibdir(binDir: string): string {
  const candidates = [join(binDir, '..', 'lib', 'postgresql'), join(binDir, '..', 'lib')];
  return candidates.find((dir) => existsSync(join(dir, 'plpgsql.so'))) ?? join(binDir, '..', 'lib');
}

const hasLibrary = (dirs: readonly string[], name: string): boolean => dirs.some((dir) => existsSync(join(dir, `${name}.so`)) || existsSync(join(dir, name)));

export interface LibraryCheckInput {
  binDir: string;
  major: number;
  libraries: readonly string[];
  parameters: Readonly<Record<string, string>>;
  /** Folders the declared extensions add to dynamic_library_path. */
  extensionLibraryDirs: readonly string[];
}

export interface LibraryFinding {
  /** Under spec.postgresql. */
  path: (string | number)[];
  message: string;
}

export function missingLibraries(input: LibraryCheckInput): LibraryFinding[] {
  const dirs = [pkglibdir(input.binDir), ...input.extensionLibraryDirs];
  const hint = (name: string) =>
    `library ${JSON.stringify(name)} is not installed for PostgreSQL ${input.major} (looked in ${dirs.join(', ')}): install the package that provides it (Debian names them postgresql-${input.major}-NAME, e.g. postgresql-${input.major}-pgaudit) or declare the extension that carries it in spec.postgresql.extensions`;
  const findings: LibraryFinding[] = [];
  input.libraries.forEach((name, index) => {
    if (!hasLibrary(dirs, name)) findings.push({ path: ['shared_preload_libraries', index], message: hint(name) });
  });
  for (const extension of usedManagedExtensions(input.parameters)) {
    if (input.libraries.includes(extension.library) || hasLibrary(dirs, extension.library)) continue;
    const parameter = Object.keys(input.parameters).find((name) => name.toLowerCase().startsWith(`${extension.namespace}.`)) ?? extension.namespace;
    findings.push({ path: ['parameters', parameter], message: `loads ${extension.name}, which the operator adds to shared_preload_libraries: ${hint(extension.library)}` });
  }
  return findings;
}

/** A declared extension's folder, locally: an absolute path to a folder that exists. */
export function extensionFolderProblem(reference: string): string | undefined {
  if (!isAbsolute(reference)) return `must be the absolute path of the folder holding the extension's files (share/, lib/): locally extensions come from a folder, not an image (got ${JSON.stringify(reference)})`;
  if (!existsSync(reference) || !statSync(reference).isDirectory()) return `folder ${JSON.stringify(reference)} does not exist on this machine`;
  return undefined;
}
