// A thread that unpacks chunks (unpack-chunk.ts) one at a time, each into the one inflate buffer
// it keeps, and answers with what it made or why it failed.
import { parentPort } from 'node:worker_threads';
import { ObjectStoreError } from './errors.js';
import { unpackChunk, type ChunkTask } from './unpack-chunk.js';
import type { WorkerAnswer } from './unpack-workers.js';

const INFLATE_BUFFER_BYTES = 1 << 20;
const out = Buffer.allocUnsafe(INFLATE_BUFFER_BYTES);

parentPort?.on('message', ({ id, task }: { id: number; task: ChunkTask }) => {
  let answer: WorkerAnswer;
  try {
    answer = { id, outcome: unpackChunk(task, out) };
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    answer = { id, error: { message: err.message, code: (err as NodeJS.ErrnoException).code, kind: err instanceof ObjectStoreError ? err.kind : undefined } };
  }
  parentPort?.postMessage(answer);
});
