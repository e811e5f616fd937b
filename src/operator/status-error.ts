// What a failed status request says about the instance: only a refused connection is a fact about
// it; a timeout or a broken connection may as well be the operator's own slowness.
import type { StatusErrorKind } from './types.js';

export interface StatusError {
  statusError: string;
  statusErrorKind: StatusErrorKind;
}

function codeOf(e: unknown): string | undefined {
  const cause = (e as { cause?: { code?: unknown } } | undefined)?.cause;
  const code = cause?.code ?? (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function statusErrorOf(e: unknown): StatusError {
  const err = e as Error;
  const code = codeOf(e);
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError' || code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return { statusError: `no answer in time (${err.message})`, statusErrorKind: 'timeout' };
  }
  const message = code && !err.message.includes(code) ? `${err.message} (${code})` : String(err?.message ?? e);
  return { statusError: message, statusErrorKind: code === 'ECONNREFUSED' ? 'refused' : 'error' };
}
