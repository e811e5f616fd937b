#!/usr/bin/env node
// Entry point of a cluster's endpoint process: `node proxy-main.js <routes.json>`.
import { EndpointProxy } from './proxy.js';

const routesFile = process.argv[2];
if (!routesFile) {
  process.stderr.write('usage: endpoint-proxy <routes.json>\n');
  process.exit(2);
}
const proxy = new EndpointProxy(routesFile);
proxy.start().then(
  () => process.stdout.write(`endpoint proxy listening, routes from ${routesFile}\n`),
  (e: unknown) => {
    process.stderr.write(`endpoint proxy failed to start: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    proxy.close();
    process.exit(0);
  });
}
