// The bodies of the manager's snapshot-backup routes, checked before anything reaches SQL.
const RESOURCE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

export function snapshotRequest(body: Record<string, unknown>, flagName?: string): { backupName: string; flag: boolean } | { error: string } {
  const { backupName } = body;
  if (typeof backupName !== 'string' || !RESOURCE_NAME.test(backupName)) return { error: 'backupName must be a resource name' };
  const flag = flagName === undefined ? false : body[flagName];
  if (typeof flag !== 'boolean') return { error: `${flagName} must be true or false` };
  return { backupName, flag };
}
