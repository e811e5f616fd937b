// Names CloudNativePG gives the objects of a Cluster `X`.

export const instanceName = (cluster: string, serial: number): string => `${cluster}-${serial}`;

export function serialOf(cluster: string, instance: string): number | undefined {
  const m = new RegExp(`^${cluster.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d+)$`).exec(instance);
  return m ? Number(m[1]) : undefined;
}

/** The lowest serial not in use, as CloudNativePG picks it. */
export function nextSerial(used: number[]): number {
  const taken = new Set(used);
  let n = 1;
  while (taken.has(n)) n++;
  return n;
}

export const slotNameFor = (prefix: string, instance: string): string => prefix + instance.replace(/[^a-z0-9_]/g, '_');

export const secretNames = (cluster: string) => ({
  app: `${cluster}-app`,
  superuser: `${cluster}-superuser`,
  replication: `${cluster}-replication`,
  ca: `${cluster}-ca`,
  server: `${cluster}-server`,
});

export const serviceNames = (cluster: string) => ({ rw: `${cluster}-rw`, ro: `${cluster}-ro`, r: `${cluster}-r` });
