// The page's files: the browser script tsc compiled beside this module, uPlot from its package, the
// HTML and CSS below. All served by the dashboard itself: the page loads nothing from elsewhere.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PAGE_CSS, PAGE_HTML } from './page.js';

export interface Asset {
  type: string;
  body: string | Buffer;
}

const uplotDir = (): string => dirname(createRequire(import.meta.url).resolve('uplot'));

const FILES: Record<string, { type: string; path: () => string }> = {
  'app.js': { type: 'text/javascript; charset=utf-8', path: () => fileURLToPath(new URL('./browser/app.js', import.meta.url)) },
  'uplot.js': { type: 'text/javascript; charset=utf-8', path: () => join(uplotDir(), 'uPlot.iife.min.js') },
  'uplot.css': { type: 'text/css; charset=utf-8', path: () => join(uplotDir(), 'uPlot.min.css') },
};

const cache = new Map<string, Asset>();

/** undefined for a name that is not one of the page's files. */
export async function asset(name: string): Promise<Asset | undefined> {
  if (name === 'index.html') return { type: 'text/html; charset=utf-8', body: PAGE_HTML };
  if (name === 'style.css') return { type: 'text/css; charset=utf-8', body: PAGE_CSS };
  const file = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
  if (!file) return undefined;
  let found = cache.get(name);
  if (!found) {
    found = { type: file.type, body: await readFile(file.path()) };
    cache.set(name, found);
  }
  return found;
}
