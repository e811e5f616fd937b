// The local platform's handout: a JSON file the platform replaces when the operator decides anew.
// Watched for changes, with a poll beside the watch because a watch on a file replaced by rename
// can miss the replacement; a text is passed on only when it differs from the last one.
import { readFile } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

export interface HandoutSource {
  stop(): void;
}

export interface SourceCallbacks {
  /** A new text of the handout (not parsed yet). */
  onText(text: string): void;
  /** The handout cannot be read; what runs stays. */
  onError(error: Error): void;
}

export function watchHandoutFile(path: string, cb: SourceCallbacks, pollMs = 1000): HandoutSource {
  let last: string | undefined;
  let lastError: string | undefined;
  let reading = false;
  let again = false;
  const read = async () => {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      const text = await readFile(path, 'utf8');
      lastError = undefined;
      if (text !== last) {
        last = text;
        cb.onText(text);
      }
    } catch (e) {
      const message = (e as NodeJS.ErrnoException).code === 'ENOENT' ? `the handout file ${path} does not exist (yet)` : `the handout file ${path} cannot be read: ${(e as Error).message}`;
      if (message !== lastError) cb.onError(new Error(message));
      lastError = message;
    } finally {
      reading = false;
      if (again) {
        again = false;
        void read();
      }
    }
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), (_event, name) => {
      if (name === null || name === basename(path)) void read();
    });
    watcher.on('error', () => undefined);
  } catch {
    // The folder may not exist yet; the poll finds the file once it does.
  }
  const timer = setInterval(() => void read(), pollMs);
  void read();
  return {
    stop() {
      clearInterval(timer);
      watcher?.close();
    },
  };
}
