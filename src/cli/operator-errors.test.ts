import test from 'node:test';
import assert from 'node:assert/strict';
import { unansweredCallMessage, type FailedCall } from './operator-errors.js';

const base: Omit<FailedCall, 'error' | 'running'> = { method: 'POST', path: '/apply', port: 4321, pid: 77, timeoutMs: 120_000, log: '/h/operator.log' };
const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4321'), { code: 'ECONNREFUSED' }) });
const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');

test('a running operator that does not answer in time is busy, and the request is named', () => {
  assert.equal(
    unansweredCallMessage({ ...base, method: 'GET', path: '/healthz', timeoutMs: 2000, running: true, error: timeout }),
    'the operator (pid 77) is running but did not answer GET /healthz within 2 s; it may be busy (see /h/operator.log)',
  );
});

test('a refused connection names the cause, and says whether the operator still runs', () => {
  assert.equal(
    unansweredCallMessage({ ...base, running: true, error: refused }),
    'the operator (pid 77) is running but POST /apply to 127.0.0.1:4321 failed: the connection was refused (ECONNREFUSED); it may be starting or stopping (see /h/operator.log)',
  );
  assert.equal(
    unansweredCallMessage({ ...base, running: false, error: refused }),
    'the operator is not running (pid 77 has exited): POST /apply to 127.0.0.1:4321 failed: the connection was refused (ECONNREFUSED); see /h/operator.log',
  );
});

test('an operator that exits while a request waits, and causes without a known wording', () => {
  assert.equal(unansweredCallMessage({ ...base, running: false, error: timeout }), 'the operator (pid 77) stopped while POST /apply waited for its answer (see /h/operator.log)');
  const odd = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' }) });
  assert.match(unansweredCallMessage({ ...base, running: true, error: odd }), /POST \/apply to 127\.0\.0\.1:4321 failed: getaddrinfo EAI_AGAIN \(EAI_AGAIN\)/);
  assert.doesNotMatch(unansweredCallMessage({ ...base, running: true, error: refused }), /fetch failed/);
});
