// A Pod's volumes beside its data volume (walStorage, tablespaces), at the paths its spec mounts
// them: the stand-in kubelet runs the manager in a mount namespace of its own, where a tmpfs over
// /var/lib/postgresql holds a bind mount of each claim's folder. Every Pod thus sees the same
// paths (the operator hands out one tablespace location for all), each on its own claim, and the
// machine's /var/lib/postgresql is left untouched.
import type { V1Pod } from '@kubernetes/client-node';

/** Where the instance image mounts its volumes. */
const POD_VOLUMES_ROOT = '/var/lib/postgresql';
/** Mounted through CNPG_INSTANCE_ROOT instead (the kubelet's environment override). */
const DATA_VOLUME = 'pgdata';

export interface Bind {
  claim: string;
  target: string;
}

/** The Pod's claims other than its data volume, with their mount paths. */
export function claimMounts(pod: V1Pod): Bind[] {
  const container = pod.spec?.containers[0];
  return (container?.volumeMounts ?? []).flatMap((m) => {
    if (m.name === DATA_VOLUME) return [];
    const claim = pod.spec?.volumes?.find((v) => v.name === m.name)?.persistentVolumeClaim?.claimName;
    if (!claim) return [];
    if (!m.mountPath.startsWith(`${POD_VOLUMES_ROOT}/`)) throw new Error(`the stand-in kubelet mounts claims below ${POD_VOLUMES_ROOT} only, not at ${m.mountPath}`);
    return [{ claim, target: m.mountPath }];
  });
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The command that runs `argv` as `ids` with each bind's folder (`source(claim)`) at its target,
 * seen only by it and its children. The process keeps its pid through every exec.
 */
export function inPodMounts(binds: readonly Bind[], source: (claim: string) => string, ids: { uid: number; gid: number }, argv: readonly string[]): { command: string; args: string[] } {
  const script = [
    'set -e',
    `mount -t tmpfs -o mode=0755 cnpg-pod-volumes ${quote(POD_VOLUMES_ROOT)}`,
    ...binds.flatMap((b) => [`mkdir -p ${quote(b.target)}`, `mount --bind ${quote(source(b.claim))} ${quote(b.target)}`]),
    `exec setpriv --reuid=${ids.uid} --regid=${ids.gid} --clear-groups -- "$@"`,
  ].join('\n');
  return { command: 'unshare', args: ['--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'pod', ...argv] };
}
