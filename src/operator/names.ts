// How the operator picks an instance's serial and its replication slot's name; the names of the
// Cluster's objects are in api/names.ts.

/** The lowest serial not in use, as CloudNativePG picks it. */
export function nextSerial(used: number[]): number {
  const taken = new Set(used);
  let n = 1;
  while (taken.has(n)) n++;
  return n;
}

export const slotNameFor = (prefix: string, instance: string): string => prefix + instance.replace(/[^a-z0-9_]/g, '_');
