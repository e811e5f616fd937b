// Pure: the Cluster's libraries, extensions and enableAlterSystem as an instance is told them.
import type { Cluster } from '../api/index.js';
import type { LibrariesSpec } from '../instance/libraries-spec.js';
import type { InstanceConfig } from './types.js';

/** Left out while everything has its default, so the configuration hash of such a Cluster stays what it was. */
export function librariesConfig(cluster: Cluster): Pick<InstanceConfig, 'libraries'> {
  const postgresql = cluster.spec.postgresql;
  const libraries: LibrariesSpec = {
    ...(postgresql?.shared_preload_libraries?.length ? { sharedPreloadLibraries: postgresql.shared_preload_libraries } : {}),
    ...(postgresql?.enableAlterSystem ? { enableAlterSystem: true } : {}),
    ...(postgresql?.extensions?.length
      ? {
          extensions: postgresql.extensions.map((e) => ({
            name: e.name,
            ...(e.image?.reference ? { reference: e.image.reference } : {}),
            ...(e.extension_control_path ? { extension_control_path: e.extension_control_path } : {}),
            ...(e.dynamic_library_path ? { dynamic_library_path: e.dynamic_library_path } : {}),
            ...(e.ld_library_path?.length ? { ld_library_path: e.ld_library_path } : {}),
            ...(e.bin_path?.length ? { bin_path: e.bin_path } : {}),
            ...(e.env?.length ? { env: e.env } : {}),
          })),
        }
      : {}),
  };
  return Object.keys(libraries).length > 0 ? { libraries } : {};
}
