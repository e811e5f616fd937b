// How instance and pooler Pods get their manager: the operator's own image runs as the init
// container `bootstrap-controller`, which copies Node.js and the app into an emptyDir; the main
// container runs them from there, so its image (the operand image: PostgreSQL or PgBouncer) needs
// neither. CloudNativePG's Pods do the same with its manager binary.
import { MANAGER_LAYOUT } from '../../instance/manager-copy.js';

export const BOOTSTRAP_CONTAINER = 'bootstrap-controller';
export const MANAGER_VOLUME = 'manager';
export const MANAGER_MOUNT = '/controller/manager';

/** The operator image's layout (Dockerfile): the app in /app, Node.js on PATH. */
const OPERATOR_APP = '/app';

/** The main container's command: the copied runtime running one of the copied entry points. */
export function managerCommand(entry: 'instance/main.js' | 'instance/major-upgrade-main.js' | 'instance/restore-drill-main.js' | 'pooler/main.js'): string[] {
  return [`${MANAGER_MOUNT}/${MANAGER_LAYOUT.node}`, `${MANAGER_MOUNT}/${MANAGER_LAYOUT.app}/dist/src/${entry}`];
}

export function bootstrapContainer(operatorImage: string, resources?: unknown): { name: string } & Record<string, unknown> {
  return {
    name: BOOTSTRAP_CONTAINER,
    image: operatorImage,
    command: ['node', `${OPERATOR_APP}/dist/src/instance/bootstrap-controller.js`, MANAGER_MOUNT],
    volumeMounts: [{ name: MANAGER_VOLUME, mountPath: MANAGER_MOUNT }],
    // As much as the main container asks: a Pod's request is the larger of the two, so this adds
    // nothing, and a namespace quota demanding limits admits it.
    ...(resources ? { resources } : {}),
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, privileged: false, runAsNonRoot: true },
  };
}

/** Read-only where the manager runs: nothing in the main container may change it. */
export const managerVolumeMount = { name: MANAGER_VOLUME, mountPath: MANAGER_MOUNT, readOnly: true };
export const managerVolume = { name: MANAGER_VOLUME, emptyDir: {} };
