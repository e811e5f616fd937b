// Compiled output of deleted sources would still run as tests; start every build from nothing.
import { rmSync } from 'node:fs';
rmSync('dist', { recursive: true, force: true });
