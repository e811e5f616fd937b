// The shell scripts PostgreSQL runs as archive_command and restore_command. They only exchange
// marker files with the instance manager, which does the uploads and downloads itself: no
// program is started per WAL segment beyond /bin/sh and coreutils' sleep/mv.
import { writeFileAtomicallySync } from '../objectstore/atomic-file.js';

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** The command PostgreSQL runs for one of these scripts, e.g. `/bin/sh '/x/wal-archive.sh' %f`. */
export function scriptCommand(script: string, placeholders: string): string {
  return `/bin/sh ${shellQuote(script)} ${placeholders}`;
}

const POLL_SECONDS = '0.02';

/**
 * Succeeds once the manager has stored the segment (it writes `<spool>/<name>`). Fails fast while
 * the manager reports the store failing, so PostgreSQL keeps the segment and retries; the
 * manager wakes the archiver when the store is back.
 */
export function archiveScript(spool: string | undefined, waitSeconds = 10, held?: string): string {
  if (!spool && held) return `#!/bin/sh\n# The backup store is missing (${held.replace(/[^\x20-\x7e]/g, '?')}): PostgreSQL keeps each segment until it exists.\nexit 1\n`;
  if (!spool) return '#!/bin/sh\n# No backup store is configured: segments are not kept anywhere.\nexit 0\n';
  const polls = Math.round(waitSeconds / Number(POLL_SECONDS));
  return `#!/bin/sh
# Written by the cnpg-ts instance manager: archive_command for ${'$1'} (a file in pg_wal).
spool=${shellQuote(spool)}
i=0
while [ ! -e "$spool/$1" ]; do
  [ -e "$spool/FAILING" ] && exit 1
  [ $i -ge ${polls} ] && exit 1
  sleep ${POLL_SECONDS}
  i=$((i+1))
done
exit 0
`;
}

/**
 * Asks the manager for a file (by creating `<spool>/want/<name>`) and waits for it or for a
 * `.missing` marker. A manager that does not answer in time aborts recovery (exit > 125) rather
 * than letting PostgreSQL take a silent "not found" for the end of the archive.
 */
export function restoreScript(spool: string, waitSeconds = 120): string {
  const polls = Math.round(waitSeconds / Number(POLL_SECONDS));
  return `#!/bin/sh
# Written by the cnpg-ts instance manager: restore_command for ${'$1'} into ${'$2'}.
spool=${shellQuote(spool)}
: > "$spool/want/$1"
i=0
while :; do
  if [ -e "$spool/$1" ]; then mv -f "$spool/$1" "$2" && exit 0; exit 1; fi
  if [ -e "$spool/$1.missing" ]; then rm -f "$spool/$1.missing"; exit 1; fi
  [ $i -ge ${polls} ] && exit 255
  sleep ${POLL_SECONDS}
  i=$((i+1))
done
`;
}

/** Replaces a script atomically: PostgreSQL may be running the old one right now. */
export function installScript(path: string, content: string): void {
  writeFileAtomicallySync(path, content, { mode: 0o700 });
}
