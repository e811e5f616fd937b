// At apply, locally: the Cluster's libraries must be files of the build it runs, and each declared
// extension must name a folder on this machine (Kubernetes learns either only when the Pod starts).
import type { Cluster } from '../../api/index.js';
import { formatPath, toIssue, type ValidationIssue } from '../../api/errors.js';
import { extensionFolders } from '../../instance/libraries-spec.js';
import { extensionFolderProblem, missingLibraries } from '../../postgres/library-files.js';

export function libraryIssues(cluster: Cluster, binDir: string, major: number): ValidationIssue[] {
  const postgresql = cluster.spec.postgresql;
  const extensions = (postgresql?.extensions ?? []).map((e) => ({ name: e.name, reference: e.image?.reference, extension_control_path: e.extension_control_path, dynamic_library_path: e.dynamic_library_path }));
  const issue = (path: (string | number)[], message: string) => toIssue('Cluster', cluster.metadata.name, { path: formatPath(['spec', 'postgresql', ...path]), message });
  const folders = extensions.flatMap((e, index) => {
    const problem = e.reference === undefined ? undefined : extensionFolderProblem(e.reference);
    return problem ? [issue(['extensions', index, 'image', 'reference'], problem)] : [];
  });
  if (folders.length > 0) return folders;
  const libraries = missingLibraries({
    binDir,
    major,
    libraries: postgresql?.shared_preload_libraries ?? [],
    parameters: postgresql?.parameters ?? {},
    extensionLibraryDirs: extensionFolders(extensions, undefined).flatMap((f) => f.libraryPaths),
  });
  return libraries.map((f) => issue(f.path, f.message));
}
