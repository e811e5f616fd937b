// Pure: the one-shot Pod that runs a restore drill of a Backup on Kubernetes (the local platform
// runs the same verb as a process, platform/local/restore-drill.ts). The operand image runs the
// instance manager's drill entry point (instance/restore-drill-main.ts), copied in by the same
// init container as in instance Pods; the throwaway data lives in a volume of the Pod's own (an
// emptyDir, or the Cluster's ephemeralVolumeSource when it sizes one); the task, store credentials
// included, is a file of a Secret made for this drill. Both are owned by the Backup and deleted
// once the outcome, the container's termination message, is read.
import type { Cluster } from '../../api/index.js';
import type { KubeObject, OwnerReference } from '../../api/meta.js';
import { LABELS, POSTGRES_PORT } from '../../api/names.js';
import type { DrillOutcome, DrillTask } from '../../instance/restore-drill.js';
import { endedDrillOutcome } from '../../operator/drill-outcome.js';
import { JOB_ROLE_LABEL, OUTCOME_FILE_ENV, TERMINATION_LOG, newBinDir } from './major-upgrade-pod.js';
import { bootstrapContainer, managerCommand, managerVolume, managerVolumeMount } from './manager-volume.js';
import { containerSecurityContext, extraVolumes, podSecurityContext, schedulingFields, userEnvironment } from './pod-settings.js';

export const RESTORE_DRILL_ROLE = 'restore-drill';
/** The throwaway volume: the restored data and the server's socket, in folders below it. */
export const DRILL_MOUNT = '/var/lib/postgresql/drill';
export const TASK_MOUNT = '/controller/drill';
export const TASK_FILE = 'task.json';

const NAME_LIMIT = 253;
const SUFFIX = '-drill';

/** The drill Pod and its task Secret of Backup `backup`. */
export const drillObjectName = (backup: string): string => `${backup.slice(0, NAME_LIMIT - SUFFIX.length)}${SUFFIX}`;

export interface DrillPodInputs {
  backup: { name: string; uid: string };
  image: string;
  /** The PostgreSQL major of the backup: the image's binaries of it restore the data. */
  major: number;
  operatorImage: string;
  /** The drill's deadline; the Pod's activeDeadlineSeconds. */
  timeoutSeconds: number;
}

function backupOwner(backup: { name: string; uid: string }): OwnerReference {
  return { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Backup', name: backup.name, uid: backup.uid, controller: true };
}

function drillMetadata(cluster: Cluster, backup: { name: string; uid: string }) {
  return {
    name: drillObjectName(backup.name),
    namespace: cluster.metadata.namespace,
    labels: { [LABELS.cluster]: cluster.metadata.name, [JOB_ROLE_LABEL]: RESTORE_DRILL_ROLE },
    ownerReferences: [backupOwner(backup)],
  };
}

export function drillTaskSecret(cluster: Cluster, backup: { name: string; uid: string }, task: DrillTask): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: drillMetadata(cluster, backup),
    type: 'Opaque',
    data: { [TASK_FILE]: Buffer.from(JSON.stringify(task)).toString('base64') },
  };
}

/**
 * Scheduled where the Cluster's instances may be (node selector, tolerations, node affinity,
 * priority, pull secrets), but without their anti-affinity: a drill is no instance, and a required
 * anti-affinity would leave it nowhere to run beside a full cluster.
 */
function placement(cluster: Cluster): Record<string, unknown> {
  const { affinity, topologySpreadConstraints: _spread, ...rest } = schedulingFields(cluster) as { affinity?: { nodeAffinity?: unknown }; topologySpreadConstraints?: unknown } & Record<string, unknown>;
  return { ...rest, ...(affinity?.nodeAffinity ? { affinity: { nodeAffinity: affinity.nodeAffinity } } : {}) };
}

export function drillPod(cluster: Cluster, p: DrillPodInputs): KubeObject {
  if (!Number.isInteger(p.major) || p.major <= 0) throw new Error(`a restore drill needs a whole PostgreSQL major, got ${p.major}`);
  const extra = extraVolumes(cluster);
  const userEnv = userEnvironment(cluster);
  const source = cluster.spec.ephemeralVolumeSource;
  const resources = cluster.spec.resources ? { resources: cluster.spec.resources } : {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...drillMetadata(cluster, p.backup), annotations: { 'kubectl.kubernetes.io/default-container': RESTORE_DRILL_ROLE } },
    spec: {
      restartPolicy: 'Never',
      activeDeadlineSeconds: Math.max(1, Math.ceil(p.timeoutSeconds)),
      enableServiceLinks: false,
      // The drill reads its store and its task file; it never calls the API server.
      automountServiceAccountToken: false,
      securityContext: podSecurityContext(cluster),
      ...placement(cluster),
      initContainers: [bootstrapContainer(p.operatorImage, cluster.spec.resources)],
      containers: [
        {
          name: RESTORE_DRILL_ROLE,
          image: p.image,
          ...(cluster.spec.imagePullPolicy ? { imagePullPolicy: cluster.spec.imagePullPolicy } : {}),
          command: [...managerCommand('instance/restore-drill-main.js'), '--pod', `${TASK_MOUNT}/${TASK_FILE}`, `${DRILL_MOUNT}/data`, `${DRILL_MOUNT}/run`, newBinDir(p.major), String(POSTGRES_PORT)],
          env: [{ name: OUTCOME_FILE_ENV, value: TERMINATION_LOG }, ...userEnv.env],
          ...(userEnv.envFrom ? { envFrom: userEnv.envFrom } : {}),
          terminationMessagePath: TERMINATION_LOG,
          terminationMessagePolicy: 'FallbackToLogsOnError',
          volumeMounts: [{ name: 'drill', mountPath: DRILL_MOUNT }, { name: 'task', mountPath: TASK_MOUNT, readOnly: true }, managerVolumeMount, ...extra.mounts],
          ...resources,
          securityContext: containerSecurityContext(cluster),
        },
      ],
      volumes: [
        // A whole restored database, not temporary files: ephemeralVolumesSizeLimit.temporaryData does not bound it.
        source ? { name: 'drill', ephemeral: source } : { name: 'drill', emptyDir: {} },
        { name: 'task', secret: { secretName: drillObjectName(p.backup.name), defaultMode: 0o400 } },
        managerVolume,
        ...extra.volumes,
      ],
    },
  };
}

interface PodStatusLike {
  spec?: { activeDeadlineSeconds?: number };
  status?: { phase?: string; reason?: string; message?: string; containerStatuses?: { name: string; state?: { terminated?: { exitCode?: number; message?: string; reason?: string } } }[] };
}

/** The outcome of an ended drill Pod; undefined while it runs. */
export function drillPodOutcome(pod: PodStatusLike, backupId: string): DrillOutcome | undefined {
  const phase = pod.status?.phase;
  if (phase !== 'Succeeded' && phase !== 'Failed') return undefined;
  // Stopped at its activeDeadlineSeconds: the same words as a local drill stopped at its deadline.
  const deadline = pod.spec?.activeDeadlineSeconds;
  if (pod.status?.reason === 'DeadlineExceeded' && deadline !== undefined) return endedDrillOutcome(backupId, { timedOutAfterMs: deadline * 1000 });
  const terminated = pod.status?.containerStatuses?.find((c) => c.name === RESTORE_DRILL_ROLE)?.state?.terminated;
  const podReason = pod.status?.reason ? `the drill Pod ended ${phase}: ${pod.status.reason}${pod.status.message ? ` (${pod.status.message})` : ''}` : undefined;
  return endedDrillOutcome(backupId, {
    said: terminated?.message,
    reason: (terminated?.exitCode !== 0 ? terminated?.message : undefined) || podReason || terminated?.reason,
    ...(terminated?.exitCode !== undefined ? { exitCode: terminated.exitCode } : {}),
  });
}
