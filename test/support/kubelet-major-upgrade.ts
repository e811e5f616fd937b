// The stand-in kubelet's launcher for the one-shot major-upgrade Pods (labelled cnpg.io/jobRole=
// major-upgrade by src/platform/kubernetes/major-upgrade-pod.ts): the Pod's verb
// (dist/src/instance/major-upgrade-main.js) on the instance's PVC folder, with this machine's
// binaries for the init container's old image and the main container's new one (kubelet-binaries.ts).
import { fileURLToPath } from 'node:url';
import { hostBinDirOf } from './kubelet-binaries.js';
import type { Launcher } from './kubelet-one-shot.js';

const UPGRADE_MAIN = fileURLToPath(new URL('../../src/instance/major-upgrade-main.js', import.meta.url));
export const MAJOR_UPGRADE_SELECTOR = 'cnpg.io/jobRole=major-upgrade';

export const launchMajorUpgrade: Launcher = async (pod, host) => {
  const main = pod.spec!.containers[0]!;
  const oldImage = pod.spec!.initContainers?.find((c) => c.name === 'prepare')?.image ?? '';
  const claim = pod.spec!.volumes?.find((v) => v.name === 'pgdata')?.persistentVolumeClaim?.claimName ?? '';
  const port = main.command?.at(-1) ?? '5432';
  const [oldBin, newBin] = [hostBinDirOf(oldImage), hostBinDirOf(main.image ?? '')];
  if (!oldBin || !newBin || !claim) return { error: `no binaries here for ${!oldBin ? oldImage : main.image} (or no pgdata claim)` };
  const root = host.ownedDir(host.pvcDir(pod.metadata!.namespace!, claim));
  return { args: [UPGRADE_MAIN, root, oldBin, newBin, port], cwd: root };
};
