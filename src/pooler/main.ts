#!/usr/bin/env node
// Entry point of one pooler manager: `node main.js --run-dir … --port … --http-port … (--handout-file
// PATH | --handout-secret NAME)`, run by the local platform per pooler instance and as the command
// of a pooler Pod's container; see args.ts for the flags. The manager is loaded dynamically: a
// static import graph is parsed whole before any of it runs, and stop signals must be taken before
// that (process/stop-signals.ts).
import '../process/stop-signals.js';

await import('./manager-process.js');
