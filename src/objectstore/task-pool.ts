// At most `limit` tasks at once. `run` waits for a free place before it starts the task, so a
// producer that awaits it is held back (and with it the download feeding it). The first failure
// is kept: later `run` calls reject with it, and `idle` rejects with it once every started task
// has settled, so nothing still writes when the caller cleans up.
export class TaskPool {
  private readonly active = new Set<Promise<void>>();
  private failure?: { error: unknown };

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a task pool needs a limit of at least 1, not ${limit}`);
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  async run(task: () => Promise<void>): Promise<void> {
    while (this.active.size >= this.limit && !this.failure) await Promise.race(this.active);
    if (this.failure) throw this.failure.error;
    const p: Promise<void> = task()
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => this.active.delete(p));
    this.active.add(p);
  }

  async idle(): Promise<void> {
    while (this.active.size > 0) await Promise.allSettled([...this.active]);
    if (this.failure) throw this.failure.error;
  }
}
