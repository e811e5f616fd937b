// Writes config/crd from the zod schemas in src/api. Run after changing a schema:
//   npm run build && node dist/src/api/crd/main.js
// (src/api/crd/files.test.ts fails until the committed files match.)
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from '../repo-root.js';
import { customResourceDefinitions } from './crd.js';
import { crdProblems } from './check.js';
import { renderCrdFiles } from './render.js';

const crds = customResourceDefinitions();
const problems = crds.flatMap(crdProblems);
if (problems.length > 0) {
  process.stderr.write(`refusing to write CRDs the API server would reject:\n${problems.join('\n')}\n`);
  process.exit(1);
}

const target = join(repoRoot(), 'config', 'crd');
const files = renderCrdFiles(crds);
// A kind that is no longer generated must not leave its CRD behind.
mkdirSync(join(target, 'bases'), { recursive: true });
for (const stale of readdirSync(join(target, 'bases'))) {
  if (!files.has(`bases/${stale}`)) rmSync(join(target, 'bases', stale));
}
for (const [path, content] of files) {
  mkdirSync(dirname(join(target, path)), { recursive: true });
  writeFileSync(join(target, path), content);
  process.stdout.write(`wrote config/crd/${path}\n`);
}
