// What an instance is told about the code its server loads (spec.postgresql.shared_preload_libraries,
// extensions, enableAlterSystem); left out of the spec while all of it has its default.
import { join } from 'node:path';
import type { ExtensionFolders } from '../postgres/libraries.js';

export interface ExtensionImage {
  name: string;
  /** Locally the folder holding the extension's files; on Kubernetes the image mounted at extensionsRoot/name. */
  reference?: string;
  extension_control_path?: string[];
  dynamic_library_path?: string[];
  /** Appended to PostgreSQL's LD_LIBRARY_PATH and PATH, inside the extension's folder. */
  ld_library_path?: string[];
  bin_path?: string[];
  /** Set in PostgreSQL's environment, `${image_root}` being the extension's folder. */
  env?: Array<{ name: string; value: string }>;
}

export interface LibrariesSpec {
  sharedPreloadLibraries?: string[];
  enableAlterSystem?: boolean;
  extensions?: ExtensionImage[];
}

/** Where an extension's files are: its mount point, or locally the folder it names. */
export const extensionRoot = (e: ExtensionImage, extensionsRoot: string | undefined): string => (extensionsRoot ? join(extensionsRoot, e.name) : (e.reference ?? ''));

/**
 * The absolute folders of each extension: under the platform's mount point when it mounts them
 * (`extensionsRoot`), else in the folder the reference names. Defaults as the reference's: share, lib.
 */
export function extensionFolders(extensions: readonly ExtensionImage[], extensionsRoot: string | undefined): ExtensionFolders[] {
  return extensions.map((e) => {
    const root = extensionRoot(e, extensionsRoot);
    const inside = (paths: string[] | undefined, fallback: string) => (paths && paths.length > 0 ? paths : [fallback]).map((p) => join(root, p));
    return { controlPaths: inside(e.extension_control_path, 'share'), libraryPaths: inside(e.dynamic_library_path, 'lib') };
  });
}
