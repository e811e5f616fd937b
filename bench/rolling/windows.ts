// Pure: the write outages of a minor upgrade, from what the writer recorded: each acknowledged
// commit's time and the port of the server that acknowledged it (each local instance has its own).

export interface Ack {
  /** performance.now() of the acknowledgement. */
  at: number;
  /** inet_server_port() of the server that committed it: which instance was the primary. */
  port: number;
}

export interface Outage {
  ms: number;
  /** The primary changed across it (a switchover); otherwise the primary stayed (a standby being rolled, or the primary restarting in place). */
  switchedPrimary: boolean;
}

/** Gaps between consecutive acknowledgements at least `minMs` long, or across a change of primary. */
export function outages(acks: readonly Ack[], minMs: number): Outage[] {
  const found: Outage[] = [];
  for (let i = 1; i < acks.length; i++) {
    const prev = acks[i - 1] as Ack;
    const cur = acks[i] as Ack;
    const ms = cur.at - prev.at;
    const switchedPrimary = cur.port !== prev.port;
    if (ms >= minMs || switchedPrimary) found.push({ ms, switchedPrimary });
  }
  return found;
}

export interface RollFigures {
  /** Primary switches seen by the writer. */
  switches: number;
  /** The outage of each switch. */
  switchMs: number[];
  /** Write outages with the primary unchanged (target: none while standbys roll). */
  otherMs: number[];
  /** Every outage, summed. */
  totalMs: number;
}

export function rollFigures(acks: readonly Ack[], minMs: number): RollFigures {
  const o = outages(acks, minMs);
  const switchMs = o.filter((x) => x.switchedPrimary).map((x) => x.ms);
  const otherMs = o.filter((x) => !x.switchedPrimary).map((x) => x.ms);
  return { switches: switchMs.length, switchMs, otherMs, totalMs: o.reduce((sum, x) => sum + x.ms, 0) };
}
