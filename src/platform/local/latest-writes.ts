// Writes to one file run one at a time, in the order they were asked for. A write still waiting
// behind a running one is replaced by a newer write of the same file: the newer content supersedes
// it, so both callers are answered when the newer one is on disk (or failed).

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

interface Slot {
  next?: { write: () => Promise<void>; waiters: Waiter[] };
  drained: Promise<void>;
}

export class LatestWrites {
  private readonly slots = new Map<string, Slot>();

  run(path: string, write: () => Promise<void>): Promise<void> {
    return new Promise((resolve, reject) => {
      const slot = this.slots.get(path);
      if (slot) {
        slot.next = { write, waiters: [...(slot.next?.waiters ?? []), { resolve, reject }] };
        return;
      }
      const fresh: Slot = { next: { write, waiters: [{ resolve, reject }] }, drained: Promise.resolve() };
      this.slots.set(path, fresh);
      fresh.drained = this.drain(path, fresh);
    });
  }

  private async drain(path: string, slot: Slot): Promise<void> {
    while (slot.next) {
      const { write, waiters } = slot.next;
      slot.next = undefined;
      try {
        await write();
        for (const w of waiters) w.resolve();
      } catch (e) {
        for (const w of waiters) w.reject(e);
      }
    }
    this.slots.delete(path);
  }

  /** Resolves once every write asked for so far has finished. */
  async idle(): Promise<void> {
    while (this.slots.size > 0) await Promise.all([...this.slots.values()].map((s) => s.drained));
  }
}
