// The stand-in kubelet's launcher for restore-drill Pods (labelled cnpg.io/jobRole=restore-drill by
// src/platform/kubernetes/restore-drill-pod.ts): the Pod's own command line, its paths mapped to
// this machine — the volumes to folders of the Pod (a Secret volume's keys written as 0600 files of
// the postgres user, as a kubelet writes them), the image's bin folder to this machine's build of
// it — and its plain environment values.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { V1Pod } from '@kubernetes/client-node';
import { writeFileAtomicallySync } from '../../src/objectstore/atomic-file.js';
import { hostBinDirOf } from './kubelet-binaries.js';
import type { Launcher, OneShotHost } from './kubelet-one-shot.js';

const DRILL_MAIN = fileURLToPath(new URL('../../src/instance/restore-drill-main.js', import.meta.url));
export const RESTORE_DRILL_SELECTOR = 'cnpg.io/jobRole=restore-drill';
/** The entry point's path in the Pod, after the copied runtime (manager-volume.ts). */
const ENTRY = /\/dist\/src\/instance\/restore-drill-main\.js$/;

/** Each mount of the main container as a folder of the Pod here; a Secret's keys written into it. */
async function volumeFolders(pod: V1Pod, host: OneShotHost): Promise<Map<string, string>> {
  const folders = new Map<string, string>();
  const podDir = host.podDir(pod.metadata!.uid!);
  for (const mount of pod.spec!.containers[0]!.volumeMounts ?? []) {
    const volume = pod.spec!.volumes?.find((v) => v.name === mount.name);
    const dir = host.ownedDir(join(podDir, 'volumes', mount.name));
    const secretName = volume?.secret?.secretName;
    if (secretName) {
      const secret = await host.core.readNamespacedSecret({ name: secretName, namespace: pod.metadata!.namespace! });
      for (const [key, value] of Object.entries(secret.data ?? {})) {
        const content = Buffer.from(value, 'base64');
        if (host.ids) writeFileAtomicallySync(join(dir, key), content, { durable: false, owner: { ...host.ids, mode: 0o600 } });
        else writeFileAtomicallySync(join(dir, key), content, { durable: false, mode: 0o600 });
      }
    }
    folders.set(mount.mountPath, dir);
  }
  return folders;
}

export const launchRestoreDrill: Launcher = async (pod, host) => {
  const main = pod.spec!.containers[0]!;
  const command = main.command ?? [];
  const entry = command.findIndex((a) => ENTRY.test(a));
  const binDir = hostBinDirOf(main.image ?? '');
  if (entry < 0 || !binDir) return { error: `no binaries here for ${main.image} (or no drill entry point in ${JSON.stringify(command)})` };
  const folders = await volumeFolders(pod, host);
  const podBin = /^\/usr\/lib\/postgresql\/\d+\/bin$/;
  const mapped = command.slice(entry + 1).map((arg) => {
    if (podBin.test(arg)) return binDir;
    const mount = [...folders.keys()].filter((m) => arg === m || arg.startsWith(`${m}/`)).sort((a, b) => b.length - a.length)[0];
    return mount ? `${folders.get(mount)!}${arg.slice(mount.length)}` : arg;
  });
  const env: NodeJS.ProcessEnv = {};
  for (const e of main.env ?? []) if (e.value !== undefined && e.name !== 'CNPG_OUTCOME_FILE') env[e.name] = e.value;
  return { args: [DRILL_MAIN, ...mapped], cwd: host.podDir(pod.metadata!.uid!), env };
};
