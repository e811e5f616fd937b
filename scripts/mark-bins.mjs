// tsc drops the executable bit; npm links bins to these files, so they must be runnable.
import { chmodSync, existsSync } from 'node:fs';
for (const f of ['dist/src/cli/main.js', 'dist/src/cli/kubectl-cnpg.js']) if (existsSync(f)) chmodSync(f, 0o755);
