// The folder PostgreSQL's Unix socket lives in. Deep instance folders fall back to one under /tmp
// (paths.ts), whose name anyone can predict and create first; a folder someone else owns would let
// them replace the socket the manager and psql connect to. So it must be ours, and ours alone.
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';

export function ensurePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  const st = lstatSync(path);
  if (!st.isDirectory() || st.uid !== process.getuid?.()) {
    throw new Error(`${path} is not a folder of this instance's user (uid ${process.getuid?.()}); remove it so it can be recreated`);
  }
  if ((st.mode & 0o077) !== 0) chmodSync(path, 0o700);
}
