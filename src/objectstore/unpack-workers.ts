// The threads a restore unpacks chunks on: one per place in the restore's task pool, started on
// the first chunk (a backup without a chunk index needs none) and stopped with `close`. A chunk's
// bytes are moved to its thread, not copied; what the thread made comes back to be merged into
// the archive's UnpackTarget on this thread.
import { Worker } from 'node:worker_threads';
import { ObjectStoreError, type ObjectStoreErrorKind } from './errors.js';
import type { ChunkTask } from './unpack-chunk.js';
import type { ChunkOutcome } from './unpack-target.js';

export type WorkerAnswer = { id: number; outcome: ChunkOutcome } | { id: number; error: { message: string; code?: string; kind?: ObjectStoreErrorKind } };

interface Pending {
  resolve: (outcome: ChunkOutcome) => void;
  reject: (err: Error) => void;
}

interface Thread {
  worker: Worker;
  busy: boolean;
  pending: Map<number, Pending>;
}

export class UnpackWorkers {
  private readonly threads: Thread[] = [];
  private nextId = 0;

  constructor(private readonly limit: number) {}

  /** Unpacks the chunk on a free thread (the caller keeps at most `limit` in flight). */
  unpack(task: ChunkTask): Promise<ChunkOutcome> {
    const thread = this.threads.find((t) => !t.busy) ?? this.start();
    const id = this.nextId++;
    thread.busy = true;
    return new Promise<ChunkOutcome>((resolve, reject) => {
      thread.pending.set(id, { resolve, reject });
      const transfer = [task.bytes.buffer as ArrayBuffer];
      thread.worker.postMessage({ id, task }, transfer);
    }).finally(() => {
      thread.busy = false;
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.splice(0).map((t) => t.worker.terminate()));
  }

  private start(): Thread {
    if (this.threads.length >= this.limit) throw new Error(`all ${this.limit} unpacking threads are busy`);
    const thread: Thread = { worker: new Worker(new URL('./unpack-worker.js', import.meta.url)), busy: false, pending: new Map() };
    thread.worker.on('message', (answer: WorkerAnswer) => {
      const p = thread.pending.get(answer.id);
      thread.pending.delete(answer.id);
      if (!p) return;
      if ('outcome' in answer) p.resolve(answer.outcome);
      else p.reject(rebuilt(answer.error));
    });
    // A thread that dies (out of memory, a crash) fails what it had; the restore fails with it.
    const fail = (err: Error) => {
      for (const p of thread.pending.values()) p.reject(err);
      thread.pending.clear();
    };
    thread.worker.on('error', fail);
    thread.worker.on('exit', (code) => fail(new Error(`an unpacking thread stopped (exit code ${code})`)));
    this.threads.push(thread);
    return thread;
  }
}

function rebuilt(e: { message: string; code?: string; kind?: ObjectStoreErrorKind }): Error {
  if (e.kind) return new ObjectStoreError(e.kind, e.message);
  return Object.assign(new Error(e.message), e.code ? { code: e.code } : {});
}
