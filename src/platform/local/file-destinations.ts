// file:// object stores a local cluster may not use. Everything under CNPG_HOME is the platform's:
// the control plane's store, state and token, and every cluster's instance homes (data, WAL,
// credentials, manager token). A store there would write WAL into another cluster's data, read the
// control plane's files, or be deleted with its own cluster. Root's per-cluster users already
// forbid most of it at run time; this says why at apply time, and covers running without root.
import { existsSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { Cluster } from '../../api/index.js';

export interface FileDestination {
  /** The field path of destinationPath. */
  field: string;
  destinationPath: string;
  /** The folder inside the destination the cluster writes (or reads) under. */
  serverName: string;
}

/** The file:// stores a Cluster writes to (its backups and WAL) and reads from (recovery sources). */
export function fileDestinations(cluster: Cluster): FileDestination[] {
  const found: FileDestination[] = [];
  const own = cluster.spec.backup?.barmanObjectStore;
  if (own?.destinationPath.startsWith('file://')) {
    found.push({ field: 'spec.backup.barmanObjectStore.destinationPath', destinationPath: own.destinationPath, serverName: own.serverName ?? cluster.metadata.name });
  }
  cluster.spec.externalClusters?.forEach((ec, i) => {
    const store = ec.barmanObjectStore;
    if (store?.destinationPath.startsWith('file://')) {
      found.push({ field: `spec.externalClusters[${i}].barmanObjectStore.destinationPath`, destinationPath: store.destinationPath, serverName: store.serverName ?? ec.name });
    }
  });
  return found;
}

/**
 * Where a path leads today: the deepest part that exists through realpath (so a symlink into the
 * home counts as the home), the rest appended as written. A link created later is not seen; the
 * per-cluster users are what holds then.
 */
export function resolveNow(path: string): string {
  const absolute = resolve(path);
  const rest: string[] = [];
  let existing = absolute;
  while (!existsSync(existing) && dirname(existing) !== existing) {
    rest.unshift(basename(existing));
    existing = dirname(existing);
  }
  return join(realpathSync(existing), ...rest);
}

const within = (path: string, root: string): boolean => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);

/** Why a destination is refused, or undefined: it, or the folder the cluster uses in it, resolves inside CNPG_HOME. */
export function destinationRefusal(homeRoot: string, d: FileDestination): string | undefined {
  let folder: string;
  try {
    folder = fileURLToPath(d.destinationPath);
  } catch {
    return undefined; // the schema's own check words this one
  }
  const home = resolveNow(homeRoot);
  for (const path of [folder, join(folder, d.serverName)]) {
    const real = resolveNow(path);
    if (within(real, home)) {
      return `${d.destinationPath} resolves to ${real}, inside CNPG_HOME (${home}), which holds the control plane's files and every cluster's instances; choose a folder outside it`;
    }
  }
  return undefined;
}
