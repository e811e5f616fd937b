#!/usr/bin/env node
// Entry point of one instance manager: `node main.js <instance folder>` on the local platform, or
// `node main.js --pod` in a Kubernetes Pod, where the folder, the spec and the address come from
// the environment the Pod template sets (see platform/kubernetes/specs.ts). The manager is loaded
// dynamically: a static import graph is parsed whole before any of it runs, and stop signals must
// be taken before that (process/stop-signals.ts).
import '../process/stop-signals.js';

await import('./manager-process.js');
