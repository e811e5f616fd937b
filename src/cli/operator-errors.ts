// How the CLI words a request to the local operator that got no answer: whether the operator is
// running at all, which request it was, and what the connection said. Never just "fetch failed".

export interface FailedCall {
  method: string;
  path: string;
  port: number;
  pid: number;
  timeoutMs: number;
  /** The operator's log, where a busy or failing operator says why. */
  log: string;
  /** Whether the operator's process is still there. */
  running: boolean;
  error: unknown;
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/** The code of a network error, wherever fetch put it (undici wraps the socket's error as `cause`). */
function causeOf(error: unknown): { code?: string; message: string } {
  const e = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const inner = e?.cause ?? e;
  return { code: inner?.code ?? e?.code, message: inner?.message ?? e?.message ?? String(error) };
}

const isTimeout = (error: unknown) => ['TimeoutError', 'AbortError'].includes((error as { name?: string })?.name ?? '');

const WHAT_HAPPENED: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused',
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection was closed',
  UND_ERR_SOCKET: 'the connection closed before an answer',
};

export function unansweredCallMessage(f: FailedCall): string {
  const call = `${f.method} ${f.path}`;
  if (isTimeout(f.error)) {
    return f.running
      ? `the operator (pid ${f.pid}) is running but did not answer ${call} within ${seconds(f.timeoutMs)}; it may be busy (see ${f.log})`
      : `the operator (pid ${f.pid}) stopped while ${call} waited for its answer (see ${f.log})`;
  }
  const { code, message } = causeOf(f.error);
  const happened = `${(code && WHAT_HAPPENED[code]) ?? message}${code ? ` (${code})` : ''}`;
  const where = `${call} to 127.0.0.1:${f.port}`;
  return f.running
    ? `the operator (pid ${f.pid}) is running but ${where} failed: ${happened}; it may be starting or stopping (see ${f.log})`
    : `the operator is not running (pid ${f.pid} has exited): ${where} failed: ${happened}; see ${f.log}`;
}
