// `hibernate on|off CLUSTER`, once for both CLIs: writes the cnpg.io/hibernation annotation, which
// the operator's planner acts on (operator/hibernation.ts): `on` stops every instance and keeps
// their data and the last primary, `off` starts that primary first. Like `kubectl cnpg hibernate`
// it refuses a Cluster already in the requested state, and returns once the change is stored.
import { ANNOTATIONS } from '../../api/names.js';
import { CliError } from '../client.js';
import type { ClusterAccess } from './ha.js';

export async function hibernate(access: Pick<ClusterAccess, 'getCluster' | 'annotateCluster'>, mode: string, cluster: string): Promise<string> {
  if (mode !== 'on' && mode !== 'off') throw new CliError(`error: hibernate takes "on" or "off", got "${mode}"`);
  const obj = await access.getCluster(cluster);
  // No annotation counts as "off", as it does for the operator.
  const current = obj.metadata.annotations?.[ANNOTATIONS.hibernation] ?? 'off';
  if (current === mode) throw new CliError(`error: cluster ${cluster} is already in the requested state (hibernation ${mode})`);
  await access.annotateCluster(cluster, { [ANNOTATIONS.hibernation]: mode });
  return mode === 'on'
    ? `cluster ${cluster} hibernation requested: every instance stops, data and primary are kept (cnpg status ${cluster} shows it)\n`
    : `cluster ${cluster} resume requested: the last primary starts first, then the standbys\n`;
}
