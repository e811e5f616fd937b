// pg_controldata's report, read as data. The labels are PostgreSQL's own and English only when the
// tool runs with LC_ALL=C, which is how the instance manager runs it.

/** Each `label: value` line of pg_controldata's output; a label ends at its line's first colon. */
export function parseControlData(output: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of output.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return fields;
}

/** Where the last checkpoint's record is: after a clean shutdown, the end of the server's WAL. */
export function latestCheckpointLocation(output: string): string {
  const lsn = parseControlData(output).get('Latest checkpoint location');
  if (!lsn || !/^[0-9A-F]+\/[0-9A-F]+$/.test(lsn)) throw new Error('pg_controldata did not report the latest checkpoint location');
  return lsn;
}

/** The last checkpoint's redo point and timeline: a snapshot of a stopped (or checkpointed) server starts replay there. */
export function checkpointRedo(output: string): { redoWal?: string; redoLsn?: string; timeline?: number } {
  const f = parseControlData(output);
  const wal = f.get("Latest checkpoint's REDO WAL file");
  const lsn = f.get("Latest checkpoint's REDO location");
  const tli = Number(f.get("Latest checkpoint's TimeLineID"));
  return {
    ...(wal && /^[0-9A-F]{24}$/.test(wal) ? { redoWal: wal } : {}),
    ...(lsn && /^[0-9A-F]+\/[0-9A-F]+$/.test(lsn) ? { redoLsn: lsn } : {}),
    ...(Number.isInteger(tli) && tli > 0 ? { timeline: tli } : {}),
  };
}
