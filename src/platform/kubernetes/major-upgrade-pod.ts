// Pure: the one-shot Pod that runs a major upgrade of a stopped instance's data on Kubernetes, as
// CloudNativePG 1.26+ runs its `<instance>-major-upgrade` Job: the main container has the NEW
// image; an init container running the OLD image (the one the data last ran) copies that major's
// binaries into a shared emptyDir, keeping their /usr/lib and /usr/share layout so PostgreSQL's
// relocatable paths (bin/../../../share/postgresql/<major>) resolve there. The verb
// (instance/major-upgrade-main.ts) writes its outcome to the termination message, which the
// platform reads from the Pod's status and records on the instance's data PVC (these annotations),
// where observe() finds it while no Pod of the instance runs.
import type { Cluster } from '../../api/index.js';
import type { KubeObject } from '../../api/meta.js';
import { LABELS, POSTGRES_PORT } from '../../api/names.js';
import type { MajorUpgradeOutcome } from '../../instance/major-upgrade.js';
import type { MajorUpgradeFailure } from '../../operator/types.js';
import { managerCommand } from './manager-volume.js';
import { containerSecurityContext } from './pod-settings.js';
import { instancePod, PGDATA_MOUNT } from './specs.js';

/** CloudNativePG's label for the Pods of its Jobs, and its value for the major upgrade. */
export const JOB_ROLE_LABEL = 'cnpg.io/jobRole';
export const MAJOR_UPGRADE_ROLE = 'major-upgrade';
/** Where the init container puts the old major's binaries, as CloudNativePG's Job does. */
export const OLD_BINARIES_MOUNT = '/controller/old';
export const TERMINATION_LOG = '/dev/termination-log';
/** The verb writes its outcome there too (major-upgrade-main.ts): the container's termination message. */
export const OUTCOME_FILE_ENV = 'CNPG_OUTCOME_FILE';

/** On an instance's data PVC: the PostgreSQL major of the data on it (its PG_VERSION), written at creation and by an upgrade. */
export const DATA_MAJOR_ANNOTATION = 'cnpg.io/pgDataMajor';
/** On an instance's data PVC: the last failed major upgrade of its data, as JSON (operator/types.ts MajorUpgradeFailure). */
export const UPGRADE_FAILURE_ANNOTATION = 'cnpg.io/majorUpgradeFailure';

/** On the upgrade Pod: what a failure is recorded with (the Cluster may change while the Pod runs). */
const GENERATION_ANNOTATION = 'cnpg.io/clusterGeneration';
const TARGET_MAJOR_ANNOTATION = 'cnpg.io/targetMajor';

export const majorUpgradePodName = (instance: string): string => `${instance}-major-upgrade`;

export interface MajorUpgradePodInputs {
  instance: string;
  serial: number;
  /** The image the data last ran (status.pgDataImageInfo.image) and its major. */
  oldImage: string;
  oldMajor: number;
  /** The image and major the Cluster asks for. */
  newImage: string;
  newMajor: number;
  operatorImage: string;
  /** The Cluster's metadata.generation the upgrade is tried at. */
  generation: number;
}

/** The old major's bin folder inside the main container, under the init container's copy. */
export const oldBinDir = (major: number): string => `${OLD_BINARIES_MOUNT}/usr/lib/postgresql/${major}/bin`;
export const newBinDir = (major: number): string => `/usr/lib/postgresql/${major}/bin`;

const INSTANCE_VOLUMES = new Set(['pgdata', 'pg-wal', 'manager']);

export function majorUpgradePod(cluster: Cluster, p: MajorUpgradePodInputs): KubeObject {
  for (const major of [p.oldMajor, p.newMajor]) {
    if (!Number.isInteger(major) || major <= 0) throw new Error(`a major upgrade needs whole PostgreSQL majors, got ${major}`);
  }
  // The instance's own volumes (data, WAL, tablespaces) and its manager copy, as its Pod mounts them.
  const instance = instancePod(cluster, { instance: p.instance, serial: p.serial, image: p.newImage, operatorImage: p.operatorImage, role: 'primary', configHash: '', credentialsHash: '' });
  const spec = instance.spec as { initContainers: Record<string, unknown>[]; containers: { volumeMounts: { name: string }[] }[]; volumes: { name: string; persistentVolumeClaim?: unknown }[]; securityContext: unknown } & Record<string, unknown>;
  const kept = (name: string, pvc: unknown) => INSTANCE_VOLUMES.has(name) || pvc !== undefined;
  const volumes = spec.volumes.filter((v) => kept(v.name, v.persistentVolumeClaim));
  const keptNames = new Set(volumes.map((v) => v.name));
  const mounts = spec.containers[0]!.volumeMounts.filter((m) => keptNames.has(m.name));
  const oldMount = { name: 'old-binaries', mountPath: OLD_BINARIES_MOUNT };
  const pullPolicy = cluster.spec.imagePullPolicy ? { imagePullPolicy: cluster.spec.imagePullPolicy } : {};
  const resources = cluster.spec.resources ? { resources: cluster.spec.resources } : {};
  const labels = { [LABELS.cluster]: cluster.metadata.name, [LABELS.instanceName]: p.instance, [JOB_ROLE_LABEL]: MAJOR_UPGRADE_ROLE };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: majorUpgradePodName(p.instance),
      namespace: cluster.metadata.namespace,
      labels,
      annotations: {
        'kubectl.kubernetes.io/default-container': MAJOR_UPGRADE_ROLE,
        [GENERATION_ANNOTATION]: String(p.generation),
        [TARGET_MAJOR_ANNOTATION]: String(p.newMajor),
      },
      ownerReferences: instance.metadata.ownerReferences,
    },
    spec: {
      restartPolicy: 'Never',
      enableServiceLinks: false,
      automountServiceAccountToken: false,
      serviceAccountName: spec.serviceAccountName,
      securityContext: spec.securityContext,
      ...(spec.nodeSelector ? { nodeSelector: spec.nodeSelector } : {}),
      ...(spec.tolerations ? { tolerations: spec.tolerations } : {}),
      initContainers: [
        ...spec.initContainers,
        {
          name: 'prepare',
          image: p.oldImage,
          ...pullPolicy,
          // GNU cp --parents keeps the two folders' absolute layout below the mount.
          command: ['cp', '-a', '--parents', `/usr/lib/postgresql/${p.oldMajor}`, `/usr/share/postgresql/${p.oldMajor}`, OLD_BINARIES_MOUNT],
          volumeMounts: [oldMount],
          ...resources,
          securityContext: containerSecurityContext(cluster),
        },
      ],
      containers: [
        {
          name: MAJOR_UPGRADE_ROLE,
          image: p.newImage,
          ...pullPolicy,
          command: [...managerCommand('instance/major-upgrade-main.js'), PGDATA_MOUNT, oldBinDir(p.oldMajor), newBinDir(p.newMajor), String(POSTGRES_PORT)],
          env: [{ name: OUTCOME_FILE_ENV, value: TERMINATION_LOG }],
          terminationMessagePath: TERMINATION_LOG,
          terminationMessagePolicy: 'FallbackToLogsOnError',
          volumeMounts: [...mounts, { ...oldMount, readOnly: true }],
          ...resources,
          securityContext: containerSecurityContext(cluster),
        },
      ],
      volumes: [...volumes, { name: 'old-binaries', emptyDir: {} }],
    },
  };
}

interface PodStatusLike {
  metadata?: { annotations?: Record<string, string> };
  status?: { phase?: string; containerStatuses?: { name: string; state?: { terminated?: { exitCode?: number; message?: string; reason?: string } } }[] };
}

/**
 * The outcome of an ended upgrade Pod, from its termination message; undefined while it runs. A Pod
 * that ended without saying one (killed, evicted, a verb that crashed) is a `prepare` failure with
 * whatever it left: the verb changes nothing before it can report.
 */
export function upgradeOutcomeOf(pod: PodStatusLike): MajorUpgradeOutcome | undefined {
  const phase = pod.status?.phase;
  if (phase !== 'Succeeded' && phase !== 'Failed') return undefined;
  const terminated = pod.status?.containerStatuses?.find((c) => c.name === MAJOR_UPGRADE_ROLE)?.state?.terminated;
  const message = terminated?.message?.trim() ?? '';
  const last = message.split('\n').pop() ?? '';
  try {
    const outcome = JSON.parse(last) as MajorUpgradeOutcome;
    if (typeof outcome === 'object' && outcome !== null && typeof outcome.ok === 'boolean') return outcome;
  } catch {
    /* not an outcome: reported below */
  }
  const said = message || terminated?.reason || `the upgrade Pod ended ${phase} with exit code ${terminated?.exitCode ?? 'unknown'}`;
  return { ok: false, stage: 'prepare', reason: said.split('\n').map((l) => l.trim()).filter(Boolean).slice(-3).join(' | ').slice(0, 1000) };
}

/** The PVC annotations the outcome of `pod` leaves: the data's major after a success, the failure otherwise. */
export function outcomeAnnotations(outcome: MajorUpgradeOutcome, pod: PodStatusLike): Record<string, string | null> {
  if (outcome.ok) return { [DATA_MAJOR_ANNOTATION]: String(outcome.toMajor), [UPGRADE_FAILURE_ANNOTATION]: null };
  const recorded = (key: string) => Number(pod.metadata?.annotations?.[key] ?? 0);
  const failure: MajorUpgradeFailure = { targetMajor: recorded(TARGET_MAJOR_ANNOTATION), generation: recorded(GENERATION_ANNOTATION), stage: outcome.stage, reason: outcome.reason };
  return { [UPGRADE_FAILURE_ANNOTATION]: JSON.stringify(failure) };
}

/** The data's major as the PVC records it; undefined where it records none (the plan then uses the Cluster's status). */
export function dataMajorAnnotation(annotations: Record<string, string> | undefined): number | undefined {
  const value = annotations?.[DATA_MAJOR_ANNOTATION];
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const major = Number(value);
  return major > 0 ? major : undefined;
}

const STAGES = new Set(['prepare', 'check', 'upgrade']);

/** The recorded failure, or undefined when none is recorded or the record is not one. */
export function upgradeFailureAnnotation(annotations: Record<string, string> | undefined): MajorUpgradeFailure | undefined {
  const value = annotations?.[UPGRADE_FAILURE_ANNOTATION];
  if (!value) return undefined;
  try {
    const f = JSON.parse(value) as Partial<MajorUpgradeFailure>;
    if (Number.isInteger(f.targetMajor) && Number.isInteger(f.generation) && STAGES.has(f.stage ?? '') && typeof f.reason === 'string') return f as MajorUpgradeFailure;
  } catch {
    /* not ours: no failure known */
  }
  return undefined;
}
