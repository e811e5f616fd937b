// Writes a local file so that it either appears whole under its name or not at all, which is
// what PostgreSQL expects of restore_command and what a crash mid-restore must not break.
import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';

export async function writeFileAtomically(dest: string, streams: [NodeJS.ReadableStream, ...NodeJS.ReadWriteStream[]]): Promise<void> {
  const tmp = `${dest}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    await pipeline([...streams, createWriteStream(tmp, { flags: 'wx' })]);
    const handle = await open(tmp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, dest);
    const dir = await open(dirname(dest), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
