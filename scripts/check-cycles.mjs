// Import cycles, those that only `import type` closes included: eslint's import-x/no-cycle skips
// type-only imports because they vanish at run time, but such a cycle still ties two modules'
// designs together (the local API server once named the daemon that starts it). Exits non-zero,
// naming each cycle; `npm run lint` runs it after eslint.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOTS = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['src', 'test', 'bench'];

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [resolve(dir, e.name)] : []));
}

const files = new Set(ROOTS.flatMap(sources));
const imports = new Map(
  [...files].map((file) => [
    file,
    ts
      .preProcessFile(readFileSync(file, 'utf8'), true, true)
      .importedFiles.map((i) => i.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => resolve(dirname(file), name.replace(/\.js$/, '.ts')))
      .filter((target) => files.has(target)),
  ]),
);

// Tarjan's strongly connected components: every component of more than one module is a cycle.
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const cycles = [];
function visit(v) {
  index.set(v, index.size);
  low.set(v, index.get(v));
  stack.push(v);
  onStack.add(v);
  for (const w of imports.get(v)) {
    if (!index.has(w)) {
      visit(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
  }
  if (low.get(v) !== index.get(v)) return;
  const component = [];
  let w;
  do {
    w = stack.pop();
    onStack.delete(w);
    component.push(w);
  } while (w !== v);
  if (component.length > 1) cycles.push(component);
}
for (const file of files) if (!index.has(file)) visit(file);

for (const cycle of cycles) console.error(`import cycle: ${cycle.map((f) => relative(process.cwd(), f)).sort().join(' <-> ')}`);
process.exit(cycles.length > 0 ? 1 : 0);
