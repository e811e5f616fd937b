// How long a VolumeSnapshot the CSI driver reports an error on is waited for, as CloudNativePG does
// it: every error is retried (the snapshotter keeps retrying on its own, and a missing class or bad
// credentials can be fixed meanwhile) until the Backup's cnpg.io/volumeSnapshotDeadline, in
// minutes (10 unless given), has passed since the first error seen; then the Backup fails. The first
// error's time is kept where CloudNativePG keeps it: status.pluginMetadata.cnpg_volumesnapshot.
import type { BackupStatus } from '../api/backup.js';

export const VOLUME_SNAPSHOT_DEADLINE_ANNOTATION = 'cnpg.io/volumeSnapshotDeadline';
export const SNAPSHOT_PLUGIN_METADATA = 'cnpg_volumesnapshot';
const DEFAULT_MINUTES = 10;

/** The deadline in ms; a value that is not a whole number of minutes is the default, as in CloudNativePG. */
export function volumeSnapshotDeadlineMs(annotations: Record<string, string> | undefined): number {
  const value = annotations?.[VOLUME_SNAPSHOT_DEADLINE_ANNOTATION]?.trim() ?? '';
  const minutes = /^[+-]?\d{1,9}$/.test(value) ? Number(value) : DEFAULT_MINUTES;
  return minutes * 60_000;
}

/** The first snapshot error's time (Unix seconds) recorded in a Backup's status; undefined when none is. */
export function firstSnapshotFailure(status: BackupStatus | undefined): number | undefined {
  const raw = status?.pluginMetadata?.[SNAPSHOT_PLUGIN_METADATA];
  if (!raw) return undefined;
  try {
    const at = (JSON.parse(raw) as { volumeSnapshotFirstFailure?: unknown }).volumeSnapshotFirstFailure;
    return typeof at === 'number' && at > 0 ? at : undefined;
  } catch {
    return undefined;
  }
}

export function withFirstSnapshotFailure(status: BackupStatus, unixSeconds: number): BackupStatus {
  return { ...status, pluginMetadata: { ...(status.pluginMetadata ?? {}), [SNAPSHOT_PLUGIN_METADATA]: JSON.stringify({ volumeSnapshotFirstFailure: unixSeconds }) } };
}

export type SnapshotErrorVerdict = { retry: true; status: BackupStatus } | { retry: false; error: string };

/** What to do about a VolumeSnapshot error seen now: wait on (recording its first time), or fail the Backup. */
export function snapshotErrorVerdict(status: BackupStatus, annotations: Record<string, string> | undefined, message: string, now: Date): SnapshotErrorVerdict {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const first = firstSnapshotFailure(status);
  if (first === undefined) return { retry: true, status: withFirstSnapshotFailure(status, nowSeconds) };
  const deadlineMs = volumeSnapshotDeadlineMs(annotations);
  if (nowSeconds - first > deadlineMs / 1000) {
    return { retry: false, error: `deadline exceeded for error ${message} (${VOLUME_SNAPSHOT_DEADLINE_ANNOTATION}: ${deadlineMs / 60_000} minutes since the first error)` };
  }
  return { retry: true, status };
}
