// SIGTERM and SIGINT handlers for the managers (instance and pooler), installed by their entry
// points before the rest of their modules load (~0.3 s, 0.5 s with the Kubernetes client; an ES
// module graph is parsed whole before any of it runs). In a Pod a manager is PID 1, and the kernel
// drops a signal PID 1 has no handler for: a Pod deleted in that time would wait out its grace period.

/** Until something can be shut down, a stop signal ends the process at once. */
let stopGracefully: ((fast: boolean) => void) | undefined;

export function onStopSignal(stop: (fast: boolean) => void): void {
  stopGracefully = stop;
}

const onSignal = (fast: boolean) => (stopGracefully ? stopGracefully(fast) : process.exit(0));
// As PostgreSQL's own: SIGTERM a smart shutdown first, SIGINT a fast one at once.
process.on('SIGTERM', () => onSignal(false));
process.on('SIGINT', () => onSignal(true));
