// `destroy --keep-pvc` locally: the instance's data folder (pgdata) is moved out of the Cluster's
// folder, to $CNPG_HOME/detached/NAMESPACE/CLUSTER/INSTANCE-YYYYMMDDTHHMMSSZ, where neither the
// Cluster nor its deletion touches it. Its name is then free for the instance that replaces it.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';

export function keptDataRoot(home: string, namespace: string, cluster: string): string {
  return join(home, 'detached', namespace, cluster);
}

const stamp = (now: Date) => now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

/** Moves `pgdata` aside and returns where it went; a second destroy within the same second gets a suffix. */
export async function keepDataFolder(pgdata: string, home: string, namespace: string, cluster: string, instance: string, now = new Date()): Promise<string> {
  const root = keptDataRoot(home, namespace, cluster);
  // Only traversable by others: the data's owner (the cluster's user, as root) must reach it, nobody list it.
  mkdirSync(root, { recursive: true, mode: 0o711 });
  let dest = join(root, `${instance}-${stamp(now)}`);
  for (let n = 2; existsSync(dest); n++) dest = join(root, `${instance}-${stamp(now)}-${n}`);
  await rename(pgdata, dest);
  return dest;
}

/** The folders kept for an instance's name, oldest first (their names sort by time). */
export function keptDataFolders(home: string, namespace: string, cluster: string, instance: string): string[] {
  const root = keptDataRoot(home, namespace, cluster);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((f) => f.startsWith(`${instance}-`) && /^\d{8}T\d{6}Z(-\d+)?$/.test(f.slice(instance.length + 1)))
    .sort()
    .map((f) => join(root, f));
}
