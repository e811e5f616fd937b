// `cnpg status` of a Cluster with spec.replica: what the replica cluster follows and how far its
// designated primary got, and the tokens of the distributed topology (as the plugin prints them).

export interface ReplicaClusterReport {
  /** True while the Cluster is a replica (its primary is a designated primary). */
  replica: boolean;
  source: string;
  designatedPrimary?: string;
  receivedLsn?: string;
  replayLsn?: string;
  /** Received but not replayed yet, in bytes. */
  lagBytes?: number;
  /** WAL files the designated primary fetched from the source's object store. */
  restoredWalFiles?: number;
  demotionToken?: string;
  promotionToken?: string;
  lastPromotionToken?: string;
}

/** Rows for the summary: the designated primary and its source, where the plugin puts them. */
export function replicaSummaryRows(r: ReplicaClusterReport): string[][] {
  if (!r.replica) return [];
  const rows = [['Designated primary:', r.designatedPrimary ?? '-'], ['Source cluster:', r.source]];
  const position = [r.receivedLsn && `received ${r.receivedLsn}`, r.replayLsn && `replayed ${r.replayLsn}`, r.lagBytes !== undefined && `lag ${r.lagBytes} bytes`]
    .filter(Boolean)
    .join(', ');
  if (position) rows.push(['Replication from source:', position]);
  if (r.restoredWalFiles !== undefined) rows.push(['WAL from source store:', `${r.restoredWalFiles} files restored`]);
  return rows;
}

/** The Demotion token / Promotion token sections, when there is one to show. */
export function tokenSections(r: ReplicaClusterReport): string | undefined {
  const sections: string[] = [];
  if (r.demotionToken) sections.push(`Demotion token\n${r.demotionToken}\n`);
  if (r.promotionToken) sections.push(`Promotion token\n${r.promotionToken}${r.promotionToken === r.lastPromotionToken ? ' (used)' : ''}\n`);
  return sections.length > 0 ? sections.join('\n') : undefined;
}
