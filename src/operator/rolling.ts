// Pure: the order of a rolling restart, as CloudNativePG does it: standbys from the highest serial
// down, the primary last, so that the primary restarts once and every standby is back first.
export function rollingRestartOrder(instances: Array<{ name: string; serial: number }>, primary: string | undefined): string[] {
  const replicas = instances.filter((i) => i.name !== primary).sort((a, b) => b.serial - a.serial);
  return [...replicas.map((i) => i.name), ...(primary && instances.some((i) => i.name === primary) ? [primary] : [])];
}
